# ports/expat/port.sh — expat for stubdom.
# Why a port: debian/rules (not a dh sequence) moves the shared library by hand,
# `mv …/libexpat.so.* …/lib/<triplet>/`, which fails when a static-only target built none;
# the generic policy (ports/README.md) drops libexpat1 and the .so entries of the .install
# files but cannot edit a command in debian/rules. The move may now find nothing. Under the
# nodoc profile debhelper installs no examples, which rules chmod: that may find nothing too.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2.5.0-1+deb12u2; the edit checks it took.
perl -0pi -e 's/\n\tmv (\$\(CURDIR\)\/debian\/tmp\/usr\/lib\/\$\(DEB_HOST_MULTIARCH\)\/libexpat\.so\.\* \\\n)/\n\t# stubdom: static only, there may be no libexpat.so.* to move (stubbuild port)\n\t-mv $1/' debian/rules
grep -q 'stubdom: static only, there may be no libexpat.so' debian/rules || { echo "port expat: the libexpat.so.* move was not found in debian/rules" >&2; exit 1; }
# nodoc (the architecture's profiles): debhelper installs no examples, which rules then chmod
perl -0pi -e 's/\n\tchmod 644 (\$\(CURDIR\)\/debian\/libexpat1-dev\/usr\/share\/doc\/libexpat1-dev\/examples\/\* \\\n)/\n\t-chmod 644 $1/' debian/rules
grep -q -- '-chmod 644 $(CURDIR)/debian/libexpat1-dev/usr/share/doc/libexpat1-dev/examples' debian/rules || { echo "port expat: the examples chmod was not found in debian/rules" >&2; exit 1; }
