# ports/libmodplug/port.sh — libmodplug for stubdom.
# Why a port: configure.ac says AC_DISABLE_STATIC, and on NetBSD (rumprun) libtool believes it
# builds shared libraries, so it built no libmodplug.a and dh_install missed libmodplug-dev's
# usr/lib/*/lib*.a (newlib's libtool builds the archive anyway, knowing no shared libraries
# there). --enable-static on every flavor, as wavpack's port does.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1:0.8.9.0-3 (debian/rules is dh's three lines); every edit checks it took.
grep -q '^override_dh_auto_configure:' debian/rules && { echo "port libmodplug: debian/rules already overrides dh_auto_configure" >&2; exit 1; }
printf '\noverride_dh_auto_configure:\n\tdh_auto_configure -- --enable-static\n' >> debian/rules
grep -q -- '--enable-static$' debian/rules || { echo "port libmodplug: debian/rules was not written" >&2; exit 1; }
