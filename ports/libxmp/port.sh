# ports/libxmp/port.sh — libxmp for stubdom.
# Why a port: libxmp's own configure (not libtool's) builds the static library only when
# asked (--enable-static; by default on a few systems without shared libraries alone), so
# bookworm's 4.5.0-2 built lib/libxmp.so alone, and the static-only policy's libxmp-dev found
# no libxmp.a (dh_install: missing files). The policy drops the .so; the archive is what a
# stub domain links.
# Runs in the unpacked source tree as the build user (bash -e); the edit checks it took.
grep -q '^override_dh_auto_configure:' debian/rules && { echo "port libxmp: debian/rules already overrides dh_auto_configure" >&2; exit 1; }
printf '\noverride_dh_auto_configure:\n\tdh_auto_configure -- --enable-static\n' >> debian/rules
grep -q -- '--enable-static$' debian/rules || { echo "port libxmp: debian/rules was not written" >&2; exit 1; }
