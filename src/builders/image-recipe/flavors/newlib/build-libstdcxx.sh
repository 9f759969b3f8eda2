#!/bin/sh
# build-libstdcxx.sh TRIPLET — the C++ library of flavor newlib: libstdc++-v3 (and libsupc++)
# from Debian's gcc-N-source of exactly the host gcc's version, configured for $T against
# the newlib built before (--with-newlib: no link tests) and compiled by the host g++ through
# the target specs. Single-threaded, static only. Leaves include/c++/<version>/ and
# lib/libstdc++.a, lib/libsupc++.a under /usr/lib/stubdom/$T, plus libstubdom-cxxrt.a (what
# the C++ runtime needs from the system that newlib lacks; see cxxrt/).
set -eu
T=$1
here=$(dirname "$0")
root=/usr/lib/stubdom/$T
gccver=$(gcc -dumpversion)
hostcxx=x86_64-linux-gnu-g++-$gccver
jobs=$(nproc)

# The source: the Debian package of the compiler itself (an offline build needs nothing else).
gccpkgver=$(dpkg-query -W -f '${Version}' "gcc-$gccver")
apt-get update -qq
apt-get install -y -qq --no-install-recommends "gcc-$gccver-source=$gccpkgver" > /dev/null
tarball=$(ls /usr/src/gcc-"$gccver"/gcc-*.tar.*)

work=/tmp/libstdcxx-build
rm -rf "$work" && mkdir -p "$work/build"
trap 'rm -rf "$work"' EXIT
# only what libstdc++-v3's configure and build read from the tree
tar -C "$work" -xf "$tarball" --wildcards --no-wildcards-match-slash \
  'gcc-*/libstdc++-v3' 'gcc-*/libgcc' 'gcc-*/config' 'gcc-*/include' 'gcc-*/libiberty' 'gcc-*/config.sub' \
  'gcc-*/config.guess' 'gcc-*/install-sh' 'gcc-*/ltmain.sh' 'gcc-*/*.m4' 'gcc-*/config-ml.in' 'gcc-*/mkinstalldirs' \
  'gcc-*/move-if-change' 'gcc-*/missing' 'gcc-*/compile' 'gcc-*/depcomp' 'gcc-*/config.rpath' \
  'gcc-*/gcc/BASE-VER' 'gcc-*/gcc/DATESTAMP' 'gcc-*/gcc/DEV-PHASE'
apt-get purge -y -qq "gcc-$gccver-source" > /dev/null
apt-get clean && rm -rf /var/lib/apt/lists/*
src=$(echo "$work"/gcc-*/libstdc++-v3)

# libstdc++ takes the thread model from `$CXX -v`; the host compiler says posix, the target
# has one thread, so this compiler says single (gthr-single.h: no pthread calls at all).
cat > "$work/cxx" <<SH
#!/bin/sh
if [ "\$#" = 1 ] && [ "\$1" = -v ]; then $hostcxx -v 2>&1 | sed 's/^Thread model: .*/Thread model: single/' >&2; exit 0; fi
exec $hostcxx -specs=$root/specs "\$@"
SH
chmod 0755 "$work/cxx"

# What the unwinder and C++ objects need from the system (glibc gives these; newlib does not).
x86_64-linux-gnu-gcc-"$gccver" -specs="$root/specs" -O2 -g -c -o "$work/find-object.o" "$here/cxxrt/find-object.c"
x86_64-linux-gnu-gcc-"$gccver" -specs="$root/specs" -O2 -g -c -o "$work/dso-handle.o" "$here/cxxrt/dso-handle.c"
rm -f "$root/lib/libstubdom-cxxrt.a"
x86_64-linux-gnu-ar rcs "$root/lib/libstubdom-cxxrt.a" "$work/find-object.o" "$work/dso-handle.o"

cd "$work/build"
CC="x86_64-linux-gnu-gcc-$gccver -specs=$root/specs" CXX="$work/cxx" \
AR=x86_64-linux-gnu-ar RANLIB=x86_64-linux-gnu-ranlib NM=x86_64-linux-gnu-nm \
CFLAGS="-O2 -g" CXXFLAGS="-O2 -g" \
  "$src/configure" --host="$T" --build=x86_64-linux-gnu --target="$T" --prefix="$work/prefix" \
    --disable-multilib --disable-shared --enable-static --disable-nls --with-newlib \
    --disable-libstdcxx-pch --disable-libstdcxx-verbose --disable-tls > "$work/configure.log" 2>&1 \
  || { tail -40 "$work/configure.log"; exit 1; }
echo "libstdc++: building with $jobs jobs"
make -j"$jobs" > "$work/make.log" 2>&1 || { tail -60 "$work/make.log"; exit 1; }
make install > "$work/install.log" 2>&1 || { tail -40 "$work/install.log"; exit 1; }
grep -q '^#define _GLIBCXX_HAS_GTHREADS' "$work/prefix/include/c++/"*/"$T"/bits/c++config.h \
  && { echo "libstdc++: configured with threads; expected the single thread model" >&2; exit 1; }

cp -a "$work/prefix/include/c++" "$root/include/"
cp "$work/prefix/lib/libstdc++.a" "$work/prefix/lib/libsupc++.a" "$root/lib/"

echo "libstdc++: $(ls "$root/include/c++") in $root"
