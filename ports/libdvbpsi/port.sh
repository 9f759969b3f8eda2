# ports/libdvbpsi/port.sh — libdvbpsi for stubdom, newlib only (rumprun builds it unported).
# Why a port: dvbpsi-utils installs examples/dvbinfo/.libs/dvbinfo, where libtool puts a
# program linked against a shared libdvbpsi (beside a wrapper script). newlib's libtool builds
# no shared libraries, so the program is examples/dvbinfo/dvbinfo itself and dh_install missed
# the other. (On rumprun libtool believes in NetBSD's shared libraries: .libs/dvbinfo exists.)
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.3.3-1; the edit checks it took.
perl -pi -e 's{^examples/dvbinfo/\.libs/dvbinfo(\s)}{examples/dvbinfo/dvbinfo$1}' debian/dvbpsi-utils.install
grep -q '^examples/dvbinfo/dvbinfo usr/bin$' debian/dvbpsi-utils.install || { echo "port libdvbpsi: examples/dvbinfo/.libs/dvbinfo not found in debian/dvbpsi-utils.install" >&2; exit 1; }
