# ports/libonig/port.sh — oniguruma for stubdom.
# Why a port: debian/rules deletes libonig.a from debian/tmp and dh_install excludes *.a, so
# with the shared library dropped by the static-only policy libonig-dev shipped headers and
# an oniguruma.pc naming -lonig, but no library (the build's check-dev-libraries refuses
# that). The port keeps the archive and installs it with libonig-dev.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 6.9.8-1; every edit checks it took.
perl -ni -e 'print unless m{^\t\$\(RM\) debian/tmp/usr/lib/\$\{DEB_HOST_MULTIARCH\}/libonig\.a$}' debian/rules
perl -pi -e 's/^\tdh_install -X\.la -X\.a$/\tdh_install -X.la/' debian/rules
grep -q '^	dh_install -X\.la$' debian/rules || { echo "port libonig: dh_install -X.la -X.a was not found in debian/rules" >&2; exit 1; }
! grep -q 'libonig\.a' debian/rules || { echo "port libonig: debian/rules still removes libonig.a" >&2; exit 1; }
printf '%s\n' 'usr/lib/*/lib*.a' >> debian/libonig-dev.install
