# ports/libjpeg-turbo/port.sh — libjpeg-turbo for stubdom.
# Why a port: bookworm's 1:2.1.5-2 build-depends on default-jdk and javahelper for its Java
# binding (arch all, not built here) and on nasm without :native, so a cross build asks for a
# Java compiler and an assembler of the stub-domain architecture, which cannot exist. And its
# rules run the just-built tjbench (a stub-domain program) under help2man for a manual page.
# Runs in the unpacked source tree as the build user (bash -e); each edit checks it took.

edit() { # file perl-expression what check-regex
  perl -0pi -e "$2" "$1"
  if ! grep -qE "$4" "$1"; then echo "port libjpeg-turbo: $3 did not apply to $1" >&2; exit 1; fi
}

# 1. Build-Depends: no Java, no help2man (3. below); the assembler is the build machine's
#    (nasm only writes objects)
edit debian/control 's/\n\s+default-jdk,\n\s+help2man,\n\s+javahelper,\n\s+nasm\n/\n               nasm:native\n/' \
  "Build-Depends without Java and help2man, nasm:native" '^ +nasm:native$'
perl -00 -ni -e 'print unless /^Package: libturbojpeg-java\n/m' debian/control
if grep -q '^Package: libturbojpeg-java$' debian/control; then echo "port libjpeg-turbo: libturbojpeg-java stanza still in debian/control" >&2; exit 1; fi
rm -f debian/libturbojpeg-java.*

# 2. debian/rules: no javahelper sequence, no Java binding
edit debian/rules 's/\tdh \$@ --with javahelper\n/\tdh \$@\n/' "dh without javahelper" '^	dh \$@$'
edit debian/rules 's/-DWITH_JAVA=1/-DWITH_JAVA=0/' "WITH_JAVA=0" 'DWITH_JAVA=0'

# 3. tjbench.1 comes from running tjbench, which cannot run on the build machine: tjbench
#    ships without its manual page
edit debian/rules 's/\noverride_dh_auto_install: debian\/tjbench\.1\n/\noverride_dh_auto_install:\n/' \
  "install without tjbench.1" '^override_dh_auto_install:$'
edit debian/rules 's/\t# Install manual page for tjbench\.1\n\tinstall -m 644 debian\/tjbench\.1 [^\n]*\n//' \
  "no tjbench.1 install" '^	\$\(MAKE\) -C debian/extra install'
if grep -q 'install -m 644 debian/tjbench.1' debian/rules; then echo "port libjpeg-turbo: tjbench.1 still installed" >&2; exit 1; fi
