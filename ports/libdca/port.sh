# ports/libdca/port.sh — libdca for stubdom.
# Why a port: configure turns on the dcadec program's OSS audio output for NetBSD hosts
# (rumprun), whose <soundcard.h> rumprun does not have; a stub domain has no sound device, so
# --disable-oss on every flavor (newlib's host never had it).
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 0.0.7-2; every edit checks it took.
grep -q '^override_dh_auto_configure:' debian/rules && { echo "port libdca: debian/rules already overrides dh_auto_configure" >&2; exit 1; }
printf '\noverride_dh_auto_configure:\n\tdh_auto_configure -- --disable-oss\n' >> debian/rules
grep -q -- '--disable-oss$' debian/rules || { echo "port libdca: debian/rules was not written" >&2; exit 1; }
