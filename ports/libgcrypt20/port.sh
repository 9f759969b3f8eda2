# ports/libgcrypt20/port.sh — libgcrypt20 for stubdom.
# Why a port: debian/rules installs a helper script for the runtime library package by hand,
# into debian/libgcrypt20/, after dh_auto_install. The static-only policy does not build
# libgcrypt20 (a runtime-only shared-library package), so that folder never exists and
# install stopped the build. The script cleans up shared libraries on upgrades (its postinst);
# with no shared library there is nothing for it to do, so the port drops that step.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.10.1-3+deb12u1; the edit checks it took.
perl -0pi -e 's/\n\tinstall -m755 debian\/clean-up-unmanaged-libraries \\\n\t\tdebian\/libgcrypt20\/usr\/share\/libgcrypt20\/\n/\n\t# stubdom: no libgcrypt20 package, no clean-up helper for it (stubbuild port)\n/' debian/rules
grep -q 'stubdom: no libgcrypt20 package' debian/rules || { echo "port libgcrypt20: the clean-up-unmanaged-libraries install was not found in debian/rules" >&2; exit 1; }
