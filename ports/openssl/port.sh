# ports/openssl/port.sh — OpenSSL's libraries for stubdom: libssl-dev (libssl.a, libcrypto.a,
# headers, pkg-config files), one static build.
# Why a port:
# - Configure knows no stub-domain target. debian-targets.patch adds one per Debian
#   architecture (debian-<arch>, which debian/rules names); the port adds debian-$STUBDOM_ARCH,
#   made for the flavor's C library (rumprun: NetBSD's, BSD-x86_64; newlib: a plain Unix).
# - debian/rules builds OpenSSL twice, static and shared, and installs the shared build with its
#   programs, engines, provider modules and manual pages. The target links archives only: one
#   build, no-shared and no-module (the legacy provider goes into libcrypto.a), of the libraries
#   only (build_libs; no-tests), installed with install_dev. No `openssl` program package: a stub
#   domain runs no command-line tool. (The generic policy drops libssl3, all shared objects.)
# - Entropy: the OS's first (/dev/urandom: a rump kernel has one), then the CPU's RDSEED/RDRAND
#   (--with-rand-seed=os,rdcpu), since Mini-OS has no random device and RAND_bytes would fail.
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 3.0.20-1~deb12u2; each edit checks it took.
fail() { echo "port openssl: $*" >&2; exit 1; }

# What the target's C library lacks, per flavor. Both: no ucontext (getcontext, makecontext), so
# no async jobs (libssl's ASYNC_* then link). newlib (Mini-OS, stubdom-posix): no sockets, no
# syslog, no terminal, no mlock for the secure heap, no dlopen; one thread behind the pthread API.
case $STUBDOM_TRIPLET in
  *-netbsd)
    target='inherit_from => [ "BSD-x86_64", "debian" ],
        disable => [ "async" ],' ;;
  *-elf)
    target='inherit_from => [ "BASE_unix", "debian" ],
        CC => "gcc",
        CFLAGS => picker(default => "-Wall", debug => "-O0 -g", release => "-O3"),
        lib_cppflags => add("-DL_ENDIAN -DNO_SYSLOG"),
        bn_ops => "SIXTY_FOUR_BIT_LONG",
        asm_arch => "x86_64",
        perlasm_scheme => "elf",
        thread_scheme => "pthreads",
        dso_scheme => "none",
        disable => [ "async", "sock", "dgram", "secure-memory", "ui-console", "afalgeng", "devcryptoeng" ],' ;;
  *) fail "no Configure target for $STUBDOM_TRIPLET" ;;
esac
grep -q '"debian-amd64" => {' Configurations/20-debian.conf || fail "Configurations/20-debian.conf has no debian-amd64 (debian-targets.patch)"
cat > Configurations/25-stubdom.conf <<CONF
## stubdom (stubbuild port): the Debian architecture $STUBDOM_ARCH ($STUBDOM_TRIPLET)
my %targets = (
    "debian-$STUBDOM_ARCH" => {
        $target
    },
);
CONF

# replace_recipe TARGET RECIPE: the whole recipe of a debian/rules target, up to the blank line
# or the end of the file (its make conditionals too); checked by the recipe's first line
replace_recipe() {
  TARGET=$1 RECIPE=$2 perl -0pi -e 's/^\Q$ENV{TARGET}\E:\n.*?\n(?:\n|\z)/$ENV{TARGET}:\n$ENV{RECIPE}\n/ms or exit 1' debian/rules ||
    fail "no recipe for $1 in debian/rules"
  grep -qxF "${2%%$'\n'*}" debian/rules || fail "the recipe of $1 was not written"
}
replace_recipe override_dh_auto_configure $'\t# stubdom: one static build, libraries only (stubbuild port)
\tmkdir build_static; cd build_static; ../Configure no-shared no-module no-tests --with-rand-seed=os,rdcpu $(CONFARGS) debian-$(DEB_HOST_ARCH); perl configdata.pm -d
'
replace_recipe override_dh_auto_build-arch $'\t$(MAKE) -C build_static build_libs
'
replace_recipe override_dh_auto_install-arch $'\t$(MAKE) -C build_static install_dev DESTDIR=`pwd`/debian/tmp
\tmkdir -p debian/tmp/usr/include/$(DEB_HOST_MULTIARCH)/openssl
\tmv debian/tmp/usr/include/openssl/opensslconf.h debian/tmp/usr/include/$(DEB_HOST_MULTIARCH)/openssl/
\tmv debian/tmp/usr/include/openssl/configuration.h debian/tmp/usr/include/$(DEB_HOST_MULTIARCH)/openssl/
'
# libssl3's shlibs file, which this rule edits, is not made: no shared library
replace_recipe override_dh_shlibdeps $'\tdh_shlibdeps -a
'

# no openssl program package
perl -00 -ni -e 'print unless /^Package: openssl\n/m' debian/control
! grep -q '^Package: openssl$' debian/control || fail "the openssl package is still in debian/control"
rm -f debian/openssl.*
