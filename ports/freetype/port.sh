# ports/freetype/port.sh — freetype for stubdom: the library, without the demonstration programs.
# Why a port: the demos (freetype2-demos) need X11, and Debian turns them off only with the
# source's own build profile pkg.freetype.nodemos, which an architecture's profiles cannot name
# for one source; without it, the build-dependencies ask for the stub domain's libx11-dev and
# the build waits for it forever. So the profile is always on in debian/rules, and the X11
# build-dependencies it guards are dropped from debian/control.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2.12.1+dfsg-5+deb12u4; every edit checks it took.
perl -0pi -e 's/^ libx11-dev <!pkg\.freetype\.nodemos>,\n//m; s/^ pkg-config,\n x11proto-core-dev <!pkg\.freetype\.nodemos>\n/ pkg-config\n/m' debian/control
! grep -qE '^ (libx11-dev|x11proto-core-dev) ' debian/control || { echo "port freetype: the X11 build-dependencies are still in debian/control" >&2; exit 1; }
grep -q '^ pkg-config$' debian/control || { echo "port freetype: pkg-config is no longer the last build-dependency" >&2; exit 1; }
perl -0pi -e 's{^(include /usr/share/dpkg/pkg-info\.mk\n)}{$1\n# stubdom: no demonstration programs (they need X11)\nexport DEB_BUILD_PROFILES += pkg.freetype.nodemos\n}m' debian/rules
grep -qxF 'export DEB_BUILD_PROFILES += pkg.freetype.nodemos' debian/rules || { echo "port freetype: debian/rules was not written" >&2; exit 1; }
