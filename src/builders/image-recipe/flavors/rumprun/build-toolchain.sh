#!/bin/sh
# build-toolchain.sh TRIPLET — flavor rumprun. NOT BUILDABLE ON MACHINES WITHOUT THE SOURCE:
# the operator passes a rumprun source tree (with its src-netbsd submodule checked out) as
# `stubbuild image build --arch stubdom-rumprun-amd64 --toolchain-src DIR`; it arrives here
# as /usr/src/stubdom-toolchain. Untested in this repository (no tree on these machines).
# Leaves the same contract as flavors/newlib (see ../../README.md):
#   /usr/lib/stubdom/$T/{include,lib}, driver.env, toolchain.json
set -eu
T=$1
src=/usr/src/stubdom-toolchain
root=/usr/lib/stubdom/$T
[ -x "$src/build-rr.sh" ] || { echo "rumprun: $src has no build-rr.sh; pass --toolchain-src <rumprun tree>" >&2; exit 1; }
[ "$T" = x86_64-rumprun-netbsd ] || { echo "rumprun: its toolchain is named x86_64-rumprun-netbsd, not $T" >&2; exit 1; }

# rumprun's own build: buildrump.sh + NetBSD libc for the Xen platform, then app-tools
# (<T>-gcc wrappers with rumprun's specs, binutils shims, <T>-toolchain.cmake).
dest=$root/rumprun
(cd "$src" && CC=gcc ./build-rr.sh -j"$(nproc)" -d "$dest" -o /tmp/rumprun-obj xen build install) \
  > /tmp/rumprun-build.log 2>&1 || { tail -60 /tmp/rumprun-build.log; exit 1; }
rm -rf /tmp/rumprun-obj

mkdir -p "$root"
ln -sfn "$dest/rumprun-x86_64/include" "$root/include"
ln -sfn "$dest/rumprun-x86_64/lib" "$root/lib"

# What differs from newlib: the compiler driver is rumprun's wrapper (its specs already make
# static, relocatable "fermented" links; such an object is not executable, so nothing
# cross-built runs on the build host), and the binutils are rumprun's shims.
cat > "$root/driver.env" <<ENV
# Sourced by the shared wrappers in /usr/bin/$T-*.
CC_DRIVER="$dest/bin/$T-gcc"
CPP_DRIVER="$dest/bin/$T-cpp"
BINUTILS_PREFIX=$dest/bin/$T-
GCC_AR_PREFIX=/nonexistent/
GCC_AR_SUFFIX=
ENV

revision=$(cd "$src" && (git rev-parse HEAD 2>/dev/null || echo unknown))
jq -n --arg flavor rumprun --arg triplet "$T" --arg rumprun "$revision" \
  --arg gcc "$(dpkg-query -W -f '${Version}' "gcc-$(gcc -dumpversion)")" \
  --arg binutils "$(dpkg-query -W -f '${Version}' binutils)" \
  '{flavor: $flavor, triplet: $triplet, components: {"rumprun": $rumprun, "gcc": $gcc, "binutils": $binutils}}' \
  > "$root/toolchain.json"
