# ports/lzo2/port.sh — lzo2 for stubdom.
# Why a port: debian/rules moves the shared library to /lib by hand and links liblzo2.so to it
# (`mv …/*.so.* …`, `ln -sf … $(readlink …/*.so) …`), which fails when a static-only target built
# none; the generic policy (ports/README.md) drops liblzo2-2 and the .so entries of the .install
# files but cannot edit a command in debian/rules.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2.10-2; the edit checks it took.
perl -0pi -e 's/\n\tmkdir -p \$\(DEB_DESTDIR\)\/lib\/\$\(DEB_HOST_MULTIARCH\)\n\tmv [^\n]*\*\.so\.\*[^\n]*\n\tln -sf [^\n]*\n/\n\t# stubdom: static only, no shared library to move to \/lib (stubbuild port)\n/' debian/rules
grep -q 'stubdom: static only, no shared library to move' debian/rules || { echo "port lzo2: the liblzo2.so.* move was not found in debian/rules" >&2; exit 1; }
