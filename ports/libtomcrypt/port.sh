# ports/libtomcrypt/port.sh — libtomcrypt for stubdom: the static library, built with
# upstream's makefile.unix.
# Why a port:
# - debian/rules builds with makefile.shared, which runs the build machine's libtool
#   (libtool-bin). That libtool links with its own "gcc", not <triplet>-gcc, and cannot find
#   the target's -lgmp and -ltommath. makefile.unix builds only libtomcrypt.a, with the
#   compiler, ar and ranlib it is given, and installs it, the headers and libtomcrypt.pc as
#   makefile.shared does. So libtool and libtool-bin (which has no Multi-Arch field: a cross
#   build would ask for the target's) leave the build-dependencies.
# - debian/rules builds the PDF manual (LaTeX, ghostscript) unconditionally; a stub domain reads
#   no manual, so the TeX build-dependencies are marked <!nodoc> and the manual is built only
#   without nodoc.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 1.18.2-6; every edit checks it took.
for dep in texlive-latex-base texlive-latex-recommended texlive-latex-extra ghostscript; do
  perl -pi -e "s/^(\\s+)\\Q$dep\\E,\$/\$1$dep <!nodoc>,/" debian/control
  grep -qE "^\s+$dep <!nodoc>,\$" debian/control || { echo "port libtomcrypt: build-dependency $dep not found" >&2; exit 1; }
done
perl -ni -e 'print unless /^\s+libtool(-bin)?,$/' debian/control
! grep -qE '^\s+libtool' debian/control || { echo "port libtomcrypt: libtool is still a build-dependency" >&2; exit 1; }
perl -0pi -e 's{^override_dh_auto_build:\n\t\$\(MAKE\) V=1 docs\n\t\$\(MAKE\) -f makefile.shared [^\n]*\n}{override_dh_auto_build:\n\t\$(if \$(filter nodoc,\$(DEB_BUILD_OPTIONS)),,\$(MAKE) V=1 docs)\n\t\$(MAKE) -f makefile.unix CC=\$(DEB_HOST_GNU_TYPE)-gcc AR=\$(DEB_HOST_GNU_TYPE)-ar RANLIB=\$(DEB_HOST_GNU_TYPE)-ranlib CFLAGS="\$(CFLAGS) \$(CPPFLAGS)" -j\$(NUMJOBS) default\n}m' debian/rules
grep -q '^	$(MAKE) -f makefile.unix CC=' debian/rules || { echo "port libtomcrypt: override_dh_auto_build is not the expected one" >&2; exit 1; }
perl -pi -e 's{^(\t\$\(MAKE\) DESTDIR=\$\(CURDIR\)/debian/tmp) INSTALL_GROUP=root (LIBPATH=\S+ PREFIX=/usr install) -f makefile.shared$}{$1 $2 -f makefile.unix}' debian/rules
grep -q 'install -f makefile.unix$' debian/rules || { echo "port libtomcrypt: override_dh_auto_install is not the expected one" >&2; exit 1; }
printf '\nDEB_HOST_GNU_TYPE ?= $(shell dpkg-architecture -qDEB_HOST_GNU_TYPE)\n' >> debian/rules
# makefile.unix makes no libtool archive
perl -ni -e 'print unless m{^usr/lib/\*/lib\*\.la$}' debian/not-installed
