#!/bin/sh
# build-toolchain.sh TRIPLET — flavor rumprun.
# rumprun (rump kernels + NetBSD's libc) built with Debian's gcc and binutils for both of its
# platforms: xen (Xen PV stub domains) and hw (bare x86: what qemu boots). Runs in a build
# stage of its own: only /usr/lib/stubdom/ goes on into the builder image.
# The source, in /usr/src/stubdom-toolchain: the snapshot tarball (image-build.ts checked its
# sha256 against source.json) or an unpacked tree with build-rr.sh at its top.
# Leaves the toolchain part of the contract every flavor fulfils (see ../../README.md):
#   /usr/lib/stubdom/$T/{include,lib}, toolchain.json; driver.env comes from ../../drivers/rumprun.sh
set -eu
T=$1
here=$(dirname "$0")
in=/usr/src/stubdom-toolchain
# Fixed paths: rumprun's wrappers and bake recipes name the install path, and the image
# (debug information included) should not vary between builds.
dest=/usr/lib/stubdom/$T/rumprun
src=/tmp/rumprun-src
obj=/tmp/rumprun-obj
jobs=$(nproc)
[ "$T" = x86_64-rumprun-netbsd ] || { echo "rumprun: its toolchain is named x86_64-rumprun-netbsd, not $T" >&2; exit 1; }

# Build-dependencies of this stage only: host zlib for NetBSD's tools, Xen's public headers.
apt-get update -qq
apt-get install -y -qq --no-install-recommends zlib1g-dev libxen-dev > /dev/null

rm -rf "$src" "$obj"-*
tarball=$(find "$in" -maxdepth 1 -name '*.tar.xz' | head -n 1)
if [ -n "$tarball" ]; then
  mkdir -p "$src"
  tar -C "$src" --strip-components=1 -xf "$tarball"
  origin="$(jq -r .describes "$here/source.json") (snapshot sha256 $(sha256sum "$tarball" | cut -d' ' -f1))"
else
  cp -a "$in" "$src"
  origin="an operator's unpacked tree"
fi
[ -x "$src/build-rr.sh" ] || { echo "rumprun: no build-rr.sh at the top of the toolchain source" >&2; exit 1; }

while read -r patch _; do
  case $patch in ''|'#'*) continue ;; esac
  echo "rumprun: patch $patch"
  patch -d "$src" -p1 --batch --forward --no-backup-if-mismatch < "$here/patches/$patch"
done < "$here/patches/series"

# gcc 12 on code written for gcc 4 to 7, without changing what it builds:
#  GIT       the snapshot is no git checkout: build-rr.sh asks git for a branch name and stops
#            with status 128; a command that does not exist makes it skip the question
#  HOST_CFLAGS  NetBSD's host tools (nbmake) need -fcommon, no longer gcc's default
#  CWARNFLAGS   NetBSD code trips about 900 newer warnings under -Werror; they stay warnings
log=/tmp/rumprun-build.log
for platform in xen hw; do
  echo "rumprun: building the $platform platform with $jobs jobs"
  started=$(date +%s)
  (cd "$src" && env GIT=no-git-here HOST_CFLAGS="-O -fcommon" CC=gcc \
     ./build-rr.sh -j"$jobs" -d "$dest" -o "$obj-$platform" "$platform" build install \
     -- -F CWARNFLAGS=-Wno-error) > "$log" 2>&1 \
    || { tail -80 "$log"; exit 1; }
  echo "rumprun: $platform built in $(( $(date +%s) - started ))s"
done
rm -rf "$obj"-* "$src" "$log"

# The contract's folders and the build's provenance. The drivers (driver.env, how the shared
# wrappers reach rumprun's compilers) are written in the image by ../../drivers/rumprun.sh, so
# changing them rebuilds no toolchain.
root=/usr/lib/stubdom/$T
ln -sfn rumprun/rumprun-x86_64/include "$root/include"
ln -sfn rumprun/rumprun-x86_64/lib "$root/lib"
# NetBSD's libc has dlopen and the clock and timer calls: empty libdl.a and librt.a, as musl
# ships them, so that a Makefile's -ldl or -lrt links (lua5.4's) without a port.
for lib in dl rt; do
  [ -e "$dest/rumprun-x86_64/lib/lib$lib.a" ] || ar rc "$dest/rumprun-x86_64/lib/lib$lib.a"
done
version() { dpkg-query -W -f '${Version}' "$1"; }
jq -n --arg flavor rumprun --arg triplet "$T" --arg origin "$origin" \
  --arg gcc "$(version "gcc-$(gcc -dumpversion)")" --arg binutils "$(version binutils)" \
  '{flavor: $flavor, triplet: $triplet, platforms: ["xen", "hw"],
    components: {rumprun: $origin, gcc: $gcc, binutils: $binutils}}' \
  > "$root/toolchain.json"
echo "rumprun: $(du -sh "$dest" | cut -f1) in $dest"
