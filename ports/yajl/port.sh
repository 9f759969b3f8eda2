# ports/yajl/port.sh — yajl for stubdom.
# Why a port: for a cross build debian/rules adds -DCMAKE_TOOLCHAIN_FILE=/etc/dpkg-cross/cmake/
# CMakeCross.txt, a file of the old dpkg-cross package that no current Debian system has, so
# CMake stops ("Could not find toolchain file"). debhelper's cmake build system already passes
# the cross compiler and system, and the image's CMAKE_TOOLCHAIN_FILE the rest.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2.1.0-3+deb12u2; the edit checks it took.
perl -0pi -e 's/\nCROSS_CONFIG := -DCMAKE_TOOLCHAIN_FILE="\/etc\/dpkg-cross\/cmake\/CMakeCross\.txt"\n/\n# stubdom: no dpkg-cross toolchain file (stubbuild port)\nCROSS_CONFIG :=\n/' debian/rules
grep -q '^CROSS_CONFIG :=$' debian/rules || { echo "port yajl: the dpkg-cross toolchain file was not found in debian/rules" >&2; exit 1; }
