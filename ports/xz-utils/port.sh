# ports/xz-utils/port.sh — xz-utils (liblzma) for stubdom.
# Why a port: debian/rules moves the shared library by hand into /lib (`mv …/liblzma.so.* …`,
# then a liblzma.so symlink to it), which fails when a static-only target built none; the
# generic policy (ports/README.md) drops liblzma5 and the .so entries but cannot edit a
# command in debian/rules. The move and the symlink now happen only when there is a library.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 5.4.1-1+deb12u2; the edit checks it took.
perl -0pi -e 's{\tmv (debian/tmp/usr/lib/\$\$arch/liblzma\.so\.\*) (debian/tmp/lib/\$\$arch/); \\\n\tdso=([^\n]*); \\\n\tln -s -f ([^\n]*)\n}{\tif ls $1 >/dev/null 2>&1; then \\\n\t  mv $1 $2; \\\n\t  dso=$3; \\\n\t  ln -s -f $4; \\\n\tfi # stubdom: static only, there may be no liblzma.so.* (stubbuild port)\n}' debian/rules
grep -q 'stubdom: static only, there may be no liblzma.so' debian/rules || { echo "port xz-utils: the liblzma.so.* move was not found in debian/rules" >&2; exit 1; }

# No message catalogs or translated manual pages: a stub domain has no locales, and whether
# configure enables NLS depends on the flavor's C library (rumprun's has no GNU gettext, so
# the translations Debian's xz-utils.install lists were never built and dh_install failed).
perl -pi -e 's{--enable-threads --disable-(static|shared) }{--enable-threads --disable-nls --disable-$1 }' debian/rules
[ "$(grep -c -- '--disable-nls' debian/rules)" = 3 ] || { echo "port xz-utils: --disable-nls was not added to both configure runs in debian/rules" >&2; exit 1; }
perl -ni -e 'print unless m{^usr/share/(locale/|man/\*/)}' debian/xz-utils.install
! grep -qE '^usr/share/(locale/|man/\*/)' debian/xz-utils.install || { echo "port xz-utils: translations still listed in debian/xz-utils.install" >&2; exit 1; }
