# ports/mbedtls/port.sh — Mbed TLS for stubdom (Xen's stub-domain set: the vTPM's crypto).
# Why a port: debian/rules turns on MBEDTLS_THREADING_C with MBEDTLS_THREADING_PTHREAD, and a
# stub domain has one thread (stubdom-posix's pthread_create fails), so a threading build
# would only pretend; and MBEDTLS_NET_C (on in mbedtls' own config.h) is BSD sockets, which a
# stub domain's C library has not (its network stack, lwIP, comes with the final link). Both
# are configuration choices of the package, which no toolchain answer can take back. It also builds only the static libraries (both kinds would be two
# CMake targets with one output name once CMake's Generic platform turns SHARED into STATIC).
# Runs in the unpacked source tree as the build user (bash -e). Written against bookworm's
# 2.28.3-1; each edit checks it took.

edit() { # file perl-expression what check-regex
  perl -0pi -e "$2" "$1"
  if ! grep -qE "$4" "$1"; then echo "port mbedtls: $3 did not apply to $1" >&2; exit 1; fi
}
edit debian/rules 's/\n\tscripts\/config\.py set MBEDTLS_THREADING_C\n\tscripts\/config\.py set MBEDTLS_THREADING_PTHREAD\n/\n\t# stubdom: one thread, no MBEDTLS_THREADING_C; no sockets, no MBEDTLS_NET_C (stubbuild port)\n\tscripts\/config.py unset MBEDTLS_NET_C\n/' \
  "threading off" 'stubdom: one thread, no MBEDTLS_THREADING_C'
edit debian/rules 's/-DUSE_SHARED_MBEDTLS_LIBRARY=ON/-DUSE_SHARED_MBEDTLS_LIBRARY=OFF/' \
  "static only" 'USE_SHARED_MBEDTLS_LIBRARY=OFF'
