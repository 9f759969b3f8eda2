#!/bin/sh
# build-newlib.sh TRIPLET — the C library of flavor newlib.
# Debian's newlib-source built with the host gcc for a freestanding x86_64 target, the way
# Xen's stubdom/Makefile builds its cross-root (no red zone, no PIE, no Linux macros).
# Leaves /usr/lib/stubdom/$T/{include,lib} and crt0.o; install-driver.sh writes the specs.
set -eu
T=$1
here=$(dirname "$0")
root=/usr/lib/stubdom/$T
gccver=$(gcc -dumpversion)
hostcc=x86_64-linux-gnu-gcc-$gccver
gccinc=$($hostcc -print-file-name=include)
jobs=$(nproc)

# A fixed path: it ends up in libc.a's debug information, and the image should not vary.
work=/tmp/newlib-build
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xf /usr/src/newlib/newlib-*.tar.*
src=$(echo "$work"/newlib-*)
mkdir "$work/build" "$work/prefix"

# -nostdinc: glibc's headers must never leak into newlib; gcc's own freestanding headers stay.
target_cc="$hostcc -nostdinc -isystem $gccinc -mno-red-zone -fno-pie -fno-stack-protector \
 -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -D_I386MACH_ALLOW_HW_INTERRUPTS -O2 -g"
cd "$work/build"
CC_FOR_TARGET="$target_cc" AR_FOR_TARGET=x86_64-linux-gnu-ar AS_FOR_TARGET=x86_64-linux-gnu-as \
LD_FOR_TARGET=x86_64-linux-gnu-ld NM_FOR_TARGET=x86_64-linux-gnu-nm RANLIB_FOR_TARGET=x86_64-linux-gnu-ranlib \
OBJCOPY_FOR_TARGET=x86_64-linux-gnu-objcopy OBJDUMP_FOR_TARGET=x86_64-linux-gnu-objdump \
STRIP_FOR_TARGET=x86_64-linux-gnu-strip READELF_FOR_TARGET=x86_64-linux-gnu-readelf \
  "$src/configure" --prefix="$work/prefix" --target="$T" \
    --enable-newlib-io-long-long --disable-multilib --disable-nls > "$work/configure.log" 2>&1 \
  || { tail -40 "$work/configure.log"; exit 1; }
echo "newlib: building with $jobs jobs"
make -j"$jobs" all-target-newlib all-target-libgloss > "$work/make.log" 2>&1 \
  || { tail -60 "$work/make.log"; exit 1; }
make install-target-newlib install-target-libgloss > "$work/install.log" 2>&1 \
  || { tail -40 "$work/install.log"; exit 1; }

rm -rf "$root"
mkdir -p "$root/lib"
cp -a "$work/prefix/$T/include" "$root/include"
cp -a "$work/prefix/$T/lib/"*.a "$root/lib/"

# The start file: its entry traps at once (ud2). A stub domain gets its real entry from the
# final "bake" link; anything executed on the build host (dpkg-genbuildinfo runs a cross-built
# test program) dies with SIGILL instead of spinning in libnosys's _exit.
$hostcc -c -o "$root/lib/crt0.o" "$here/crt0.S"

