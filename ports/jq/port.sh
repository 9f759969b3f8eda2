# ports/jq/port.sh — jq for stubdom: libjq with its archive.
# Why a port: debian/rules configures --disable-static (Debian ships libjq.so), and on NetBSD
# (rumprun) libtool then builds no libjq.a, so libjq-dev missed usr/lib/*/libjq.a (newlib's
# libtool builds the archive anyway, knowing no shared libraries there). --enable-static on
# every flavor.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.6-2.1+deb12u2; every edit checks it took.
perl -pi -e 's/^(\tdh_auto_configure -- )--disable-static$/$1--enable-static/' debian/rules
grep -q '^	dh_auto_configure -- --enable-static$' debian/rules || { echo "port jq: dh_auto_configure -- --disable-static was not found in debian/rules" >&2; exit 1; }
