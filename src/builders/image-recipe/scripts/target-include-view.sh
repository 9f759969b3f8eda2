#!/bin/sh
# target-include-view.sh ARCH VIEW
# The target's view of /usr/include: a tree of symbolic links to the files there that
# packages of ARCH (or of arch all, e.g. header-only libraries) installed, such as zlib.h of
# zlib1g-dev:ARCH. The stubdom driver searches VIEW instead of /usr/include, so the build
# machine's own headers (glibc's poll.h, gnu/libc-version.h, linux/...) are never found.
# /usr/include/<triplet> needs no view: only packages of ARCH install there.
# Run after every dpkg run apt makes (an apt hook) and before each build; idempotent.
set -eu
ARCH=$1 VIEW=$2
new=$VIEW.new
rm -rf "$new"
mkdir -p "$new"
T=$(dpkg-architecture -a "$ARCH" -qDEB_HOST_MULTIARCH 2>/dev/null)
dpkg-query -W -f '${binary:Package} ${Architecture}\n' \
  | awk -v arch="$ARCH" '$2 == arch || $2 == "all" { print $1 }' \
  | xargs -r dpkg-query -L 2>/dev/null \
  | grep '^/usr/include/.' | grep -v "^/usr/include/$T/" | sort -u \
  | while IFS= read -r file; do
      [ -f "$file" ] || continue
      rel=${file#/usr/include/}
      mkdir -p "$new/$(dirname "$rel")"
      ln -sf "$file" "$new/$rel"
    done
rm -rf "$VIEW.old"
if [ -e "$VIEW" ]; then mv "$VIEW" "$VIEW.old"; fi
mv "$new" "$VIEW"
rm -rf "$VIEW.old"
