# ports/libscrypt/port.sh — libscrypt for stubdom.
# Why a port: bookworm's 1.21-3 installs into /usr/lib, not the multiarch folder: the stub
# domain's libscrypt.a would sit where the target's linker never looks (it searches
# /usr/lib/<triplet>), on the build machine's own libscrypt-dev's path. The Makefile's LIBDIR
# becomes /usr/lib/$DEB_HOST_MULTIARCH, the .install files follow, and libscrypt-dev
# becomes Multi-Arch: same like every other -dev package of the repository.
# On rumprun, NetBSD's <sys/types.h> brings <sys/endian.h> with its own be32dec and kin, which
# sysendian.h defines again unless told the system has them (HAVE_SYS_ENDIAN_H, and
# HAVE_DECL_BE64ENC, which no configure sets here): CPPFLAGS say so there.
# Runs in the unpacked source tree as the build user (bash -e); every edit checks it took.
perl -pi -e 's{^(\t\$\(MAKE\) DESTDIR=\$\(CURDIR\)/debian/tmp PREFIX=/usr) install install-static$}{$1 LIBDIR=/usr/lib/\$(DEB_HOST_MULTIARCH) install install-static}' debian/rules
grep -q 'LIBDIR=/usr/lib/$(DEB_HOST_MULTIARCH) install install-static$' debian/rules || { echo "port libscrypt: the install rule was not found in debian/rules" >&2; exit 1; }
perl -pi -e 's{^usr/lib/lib}{usr/lib/*/lib}' debian/libscrypt-dev.install debian/libscrypt0.install
# (dh_install makes the folders it installs into; compat 9 substitutes no variables in .dirs)
perl -ni -e 'print unless m{^usr/lib$}' debian/libscrypt-dev.dirs
if grep -q '^usr/lib/lib' debian/libscrypt-dev.install debian/libscrypt0.install; then echo "port libscrypt: .install files still name usr/lib" >&2; exit 1; fi
perl -0pi -e 's/(\nPackage: libscrypt-dev\nSection: libdevel\nArchitecture: any\n)/$1Multi-Arch: same\n/' debian/control
grep -A3 '^Package: libscrypt-dev$' debian/control | grep -q '^Multi-Arch: same$' || { echo "port libscrypt: Multi-Arch not added to libscrypt-dev" >&2; exit 1; }
case $STUBDOM_TRIPLET in
  *-netbsd)
    printf '\nexport DEB_CPPFLAGS_MAINT_APPEND = -DHAVE_SYS_ENDIAN_H -DHAVE_DECL_BE64ENC=1\n' >> debian/rules
    grep -q 'HAVE_DECL_BE64ENC=1$' debian/rules || { echo "port libscrypt: debian/rules was not written" >&2; exit 1; } ;;
esac
