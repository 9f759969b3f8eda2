# ports/libffi/port.sh — libffi for stubdom.
# Why a port: bookworm's 3.4.4-1 build-depends on libltdl-dev for the autoconf macros its
# configure.ac uses (LT_SYS_SYMBOL_USCORE, from ltdl.m4) and on dejagnu for its test suite.
# libltdl-dev is Multi-Arch: same, so a cross build asks for libltdl-dev:stubdom-amd64, which
# no source of the repository builds, while only the build machine's copy of the m4 files is
# read: libltdl-dev:native says so. dejagnu gets the <!nocheck> mark later Debian versions
# add (the builder always builds with nocheck).
# Runs in the unpacked source tree as the build user (bash -e); the edit checks it took.
perl -0pi -e 's/\n  libltdl-dev,\n  dejagnu,\n/\n  libltdl-dev:native,\n  dejagnu <!nocheck>,\n/' debian/control
grep -q 'libltdl-dev:native' debian/control || { echo "port libffi: Build-Depends libltdl-dev, dejagnu not found in debian/control" >&2; exit 1; }
