# ports/libffi/port.sh — libffi for stubdom.
# Why a port: bookworm's 3.4.4-1 build-depends on libltdl-dev and dejagnu for its test suite
# only, without the <!nocheck> profile mark later Debian versions add; libltdl-dev is
# Multi-Arch: same, so a cross build asks for libltdl-dev:stubdom-amd64, which no source of
# the repository builds. This port adds the mark (the builder always builds with nocheck).
# Runs in the unpacked source tree as the build user (bash -e); the edit checks it took.
perl -0pi -e 's/\n  libltdl-dev,\n  dejagnu,\n/\n  libltdl-dev <!nocheck>,\n  dejagnu <!nocheck>,\n/' debian/control
grep -q 'libltdl-dev <!nocheck>' debian/control || { echo "port libffi: Build-Depends libltdl-dev, dejagnu not found in debian/control" >&2; exit 1; }
