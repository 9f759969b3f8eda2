#!/bin/sh
# build-toolchain.sh TRIPLET — flavor newlib: the C library, the driver aimed at it, then the
# C++ library built with that driver. Leaves the toolchain contract every flavor fulfils
# (see ../../README.md):
#   /usr/lib/stubdom/$T/{include,lib}   C and C++ library headers and static libraries
#   /usr/lib/stubdom/$T/driver.env      how the shared wrappers reach the real compiler
#   /usr/lib/stubdom/$T/toolchain.json  versions, for build provenance
set -eu
T=$1
here=$(dirname "$0")
sh "$here/build-newlib.sh" "$T"
sh "$here/install-driver.sh" "$T"
sh "$here/build-libstdcxx.sh" "$T"
