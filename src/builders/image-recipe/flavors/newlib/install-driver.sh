#!/bin/sh
# install-driver.sh TRIPLET — the specs and driver.env of flavor newlib: how the shared
# wrappers (scripts/install-interface.sh) reach the host compiler, aimed at the target.
set -eu
T=$1
here=$(dirname "$0")
root=/usr/lib/stubdom/$T
gccver=$(gcc -dumpversion)
hostcc=x86_64-linux-gnu-gcc-$gccver
hostcxx=x86_64-linux-gnu-g++-$gccver

sed -e "s|@TRIPLET@|$T|g" -e "s|@ROOT@|$root|g" -e "s|@GCCINC@|$($hostcc -print-file-name=include)|g" \
    -e "s|@GCCLIB@|$(dirname "$($hostcc -print-libgcc-file-name)")|g" \
    -e "s|@POSIXINC@|/usr/lib/$T/stubdom-posix/include|g" -e "s|@POSIXLIB@|/usr/lib/$T/libstubdom-posix.a|g" \
    -e "s|@VIEW@|$root/target-include|g" \
    "$here/specs.in" > "$root/specs"
mkdir -p "$root/target-include"
# the C++ headers' version directory is known once libstdc++ is built; until then it is the
# compiler's version, which is what libstdc++ of the same gcc source installs
sed -e "s|@TRIPLET@|$T|g" -e "s|@CXXINC@|$root/include/c++/$($hostcc -dumpfullversion)|g" \
    "$here/cxx.specs.in" > "$root/cxx.specs"

cat > "$root/driver.env" <<ENV
# Sourced by the shared wrappers in /usr/bin/$T-*.
CC_DRIVER="$hostcc -specs=$root/specs"
CXX_DRIVER="$hostcxx -specs=$root/specs -specs=$root/cxx.specs"
CPP_DRIVER="x86_64-linux-gnu-cpp-$gccver -specs=$root/specs"
# -shared is handled by the specs (a relocatable object), not refused by the wrapper
SHARED_OBJECTS=relocatable
# the folders a link searches, as the specs' link_libgcc names them (-print-search-dirs)
LIBRARY_DIRS="$root/lib/:/usr/lib/$T/:$(dirname "$($hostcc -print-libgcc-file-name)")/"
BINUTILS_PREFIX=/usr/bin/x86_64-linux-gnu-
GCC_AR_PREFIX=/usr/bin/x86_64-linux-gnu-gcc-
GCC_AR_SUFFIX=-$gccver
ENV

version() { dpkg-query -W -f '${Version}' "$1"; }
jq -n --arg flavor newlib --arg triplet "$T" --arg newlib "$(version newlib-source)" \
  --arg gcc "$(version "gcc-$gccver")" --arg binutils "$(version binutils)" \
  '{flavor: $flavor, triplet: $triplet, components: {"newlib-source": $newlib, "gcc": $gcc, "gcc-source (libstdc++)": $gcc, "binutils": $binutils}}' \
  > "$root/toolchain.json"
echo "newlib: $(du -sh "$root" | cut -f1) in $root"
