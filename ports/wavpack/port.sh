# ports/wavpack/port.sh — wavpack for stubdom.
# Why a port: the wavpack programs need iconv, which configure does not find in newlib
# (Mini-OS), and stops: "iconv is required for apps, use --disable-apps to build only
# libwavpack". A stub domain links libwavpack; no build profile turns the programs off. So
# --disable-apps on every flavor (one version, one set of packages), and no wavpack program
# package, nor its manual pages. And --enable-static: configure.ac says LT_INIT([disable-static]),
# and on NetBSD (rumprun) libtool believes it builds shared libraries, so it built no
# libwavpack.a (newlib's libtool builds the archive anyway, knowing no shared libraries there).
# (The generic policy drops libwavpack1.)
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 5.6.0-1; each edit checks it took.
perl -pi -e 's/^FLAGS  = --disable-rpath$/FLAGS  = --disable-rpath --disable-apps --enable-static/' debian/rules
grep -q -- '^FLAGS  = --disable-rpath --disable-apps --enable-static$' debian/rules || { echo "port wavpack: FLAGS = --disable-rpath not found in debian/rules" >&2; exit 1; }
perl -0pi -e 's/\nPackage: wavpack\n.*?(\n\n|\n?\z)/\n/s' debian/control
! grep -q '^Package: wavpack$' debian/control || { echo "port wavpack: the wavpack package is still in debian/control" >&2; exit 1; }
rm debian/wavpack.install
# upstream's install still puts the programs' manual pages into debian/tmp, which no package
# takes now (dh_missing fails on them otherwise)
printf '%s\n' 'usr/share/man/man1/*' >>debian/not-installed
grep -qxF 'usr/share/man/man1/*' debian/not-installed || { echo "port wavpack: debian/not-installed was not written" >&2; exit 1; }
