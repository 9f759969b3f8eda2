# ports/libidn2/port.sh — libidn2 for stubdom.
# Why a port: debian/libidn2-0.install lists usr/share/locale, the library's message catalogs.
# A stub domain has no locales, and rumprun's C library has no GNU gettext, so configure built
# none there and dh_install failed (missing files). --disable-nls makes both families the same;
# without the catalogs, the static-only policy drops libidn2-0 as it drops every runtime
# library package (its .so lines were all it had left). Runs in the unpacked source tree as the
# build user (bash -e). Written against bookworm's 2.3.3-1; each edit checks it took.
perl -pi -e 's{^\t--disable-rpath \\$}{\t--disable-rpath --disable-nls \\}' debian/rules
grep -q -- '--disable-rpath --disable-nls' debian/rules || { echo "port libidn2: --disable-nls was not added to CONFIGURE_FLAGS in debian/rules" >&2; exit 1; }
perl -ni -e 'print unless m{^usr/share/locale}' debian/libidn2-0.install
! grep -q '^usr/share/locale' debian/libidn2-0.install || { echo "port libidn2: usr/share/locale still listed in debian/libidn2-0.install" >&2; exit 1; }
