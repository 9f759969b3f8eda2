# ports/libzip/port.sh — libzip for stubdom.
# Why a port: bookworm's 1.7.3-1 build-depends on mandoc, which renders its manual pages on
# the build machine. mandoc is not Multi-Arch: foreign, so a cross build asks for
# mandoc:stubdom-amd64, a program no source of the repository builds: mandoc:native says so.
# Runs in the unpacked source tree as the build user (bash -e); the edit checks it took.
perl -0pi -e 's/\n               mandoc,\n/\n               mandoc:native,\n/' debian/control
grep -q '^               mandoc:native,$' debian/control || { echo "port libzip: Build-Depends mandoc not found in debian/control" >&2; exit 1; }
