# ports/libcue/port.sh — libcue for stubdom.
# Why a port: debian/rules deletes every static archive from debian/tmp before dh_install
# (Debian ships libcue.so only), so where only libcue.a is built, libcue-dev's libcue.a (the
# static-only policy's rewrite of its libcue.so line) is missing and dh_install stops. The
# deletion is dropped; the policy still drops libcue2 as it drops every runtime library package.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2.2.1-4+deb12u1; the edit checks it took.
perl -ni -e 'print unless m{^\tfind debian/tmp -name .\*\.a. -print -delete$}' debian/rules
! grep -q -- "-name '\*.a' -print -delete" debian/rules || { echo "port libcue: the deletion of static archives is still in debian/rules" >&2; exit 1; }
