#!/usr/bin/env bash
# The one test command (npm test). Node 20's runner neither expands globs nor fails when it
# finds nothing, so we list the files ourselves and fail unless tests really ran and passed.
#   --db-only   only the suites that use the test database (to run them again on PGlite):
#               those importing a helper that opens it (test-db and the helpers built on it)
#   --tier T    unit: needs neither a database, Docker nor the network (npm run test:unit);
#               db: a database, no Docker (test:db); docker: a Docker engine (test:docker)
#   --list      print the files chosen, run nothing
#   FILES...    run just these files
# test/rump/ is left out unless named (npm run test:rump): it builds the rumprun image, about
# half an hour cold, and boots a unikernel under qemu.
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."

db_only=false
list=false
tier=
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --db-only) db_only=true ;;
    --tier) tier=$2; shift ;;
    --list) list=true ;;
    *) files+=("$1") ;;
  esac
  shift
done
if [ ${#files[@]} -eq 0 ]; then
  for file in test/**/*.test.ts; do
    case $file in test/rump/*) ;; *) files+=("$file") ;; esac
  done
fi

# What a test file needs, from what it imports: a helper that opens the test database (and
# the helpers built on those), or one that drives Docker.
helpers_importing() { grep -lE "$1" test/helpers/*.ts test/*.support.ts 2>/dev/null | xargs -rn1 basename | sed 's/\.ts$//' | paste -sd'|'; }
db_helpers=$(helpers_importing "from './(test-db|test-app)\.ts'")
db_pattern="helpers/(test-db|test-app|server-database${db_helpers:+|$db_helpers})\.ts|bin/stubbuild\.js"
docker_pattern="builder-image\.support\.ts|helpers/(pipeline-app|quick-builds|tls-dockerd)\.ts|from 'dockerode'"
uses() { grep -qE "$1" "$2"; }
select_files() { # keep the files for which the predicate holds
  local kept=() f
  for f in "${files[@]}"; do if "$@" "$f"; then kept+=("$f"); fi; done
  files=("${kept[@]}")
}
is_db() { uses "$db_pattern" "$1"; }
is_docker() { uses "$docker_pattern" "$1"; }
is_unit() { ! is_db "$1" && ! is_docker "$1"; }
is_db_tier() { is_db "$1" && ! is_docker "$1"; }
if $db_only; then select_files is_db; fi
case "$tier" in
  '') ;;
  unit) select_files is_unit ;;
  db) select_files is_db_tier ;;
  docker) select_files is_docker ;;
  *) echo "run-tests: --tier is unit, db or docker, not $tier" >&2; exit 2 ;;
esac
if [ ${#files[@]} -eq 0 ]; then
  echo "run-tests: no test files found" >&2
  exit 1
fi

if $list; then printf '%s\n' "${files[@]}"; exit 0; fi
echo "run-tests: ${#files[@]} files${tier:+ of the $tier tier} on $([ -n "${DATABASE_URL:-}" ] && echo PostgreSQL || echo embedded PGlite)"
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
