#!/usr/bin/env bash
# The one test command (npm test). Node 20's runner neither expands globs nor fails when it
# finds nothing, so we list the files ourselves and fail unless tests really ran and passed.
#   --db-only   only the suites that use the test database (to run them again on PGlite):
#               those importing a helper that opens it (test-db and the helpers built on it)
#   FILES...    run just these files
# test/rump/ is left out unless named (npm run test:rump): it builds the rumprun image, about
# half an hour cold, and boots a unikernel under qemu.
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."

db_only=false
files=()
for arg in "$@"; do
  case "$arg" in
    --db-only) db_only=true ;;
    *) files+=("$arg") ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  for file in test/**/*.test.ts; do
    case $file in test/rump/*) ;; *) files+=("$file") ;; esac
  done
fi
if $db_only; then
  db_helpers=$(grep -lE "from './(test-db|test-app)\.ts'" test/helpers/*.ts | xargs -n1 basename | sed 's/\.ts$//' | paste -sd'|')
  mapfile -t files < <(grep -lE "helpers/(test-db|${db_helpers})\.ts" "${files[@]}" || true)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "run-tests: no test files found" >&2
  exit 1
fi

echo "run-tests: ${#files[@]} files on $([ -n "${DATABASE_URL:-}" ] && echo PostgreSQL || echo embedded PGlite)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
# --test-force-exit: a file whose tests have all finished exits even if a handle stays open
# (once, under load, a file's process stayed alive after its last test and held CI up). The
# counts come from the spec reporter's summary on stdout (written synchronously; a reporter
# writing to a file may not be flushed before the forced exit).
node --import tsx --test --test-force-exit --test-concurrency="${TEST_CONCURRENCY:-2}" \
  --test-reporter=spec "${files[@]}" | tee "$out" || status=$?

count() { awk -v k="$1" '$1 == "ℹ" && $2 == k {n = $3} END {print n + 0}' "$out"; }
passed=$(count pass); failed=$(count fail); skipped=$(count skipped); todo=$(count todo); cancelled=$(count cancelled)
echo "${passed} passed, $((failed + cancelled)) failed, ${skipped} skipped"
if [ "$passed" -eq 0 ]; then
  echo "run-tests: zero tests passed; that is a failure" >&2
  exit 1
fi
if [ "$skipped" -gt 0 ] || [ "$todo" -gt 0 ]; then
  echo "run-tests: skipped or todo tests are not passes" >&2
  exit 1
fi
exit "$status"
