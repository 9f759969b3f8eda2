# ports/minizip/port.sh — minizip for stubdom (with patches/no-largefile64.patch).
# Why a port: debian/minizip.install takes the programs from libtool's .libs/, where libtool
# puts a program linked against a shared library (and a wrapper script in its place). With only
# the static libminizip.a there is no wrapper: the programs are the files in the top folder.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.1-8+deb12u1; the edit checks it took.
perl -pi -e 's{^\.libs/(minizip|miniunzip) usr/bin$}{$1 usr/bin}' debian/minizip.install
! grep -q '^\.libs/' debian/minizip.install || { echo "port minizip: .libs/ is still in debian/minizip.install" >&2; exit 1; }
