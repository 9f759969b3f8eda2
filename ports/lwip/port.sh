# ports/lwip/port.sh — lwIP for stubdom (Xen's stub-domain set: Mini-OS's network stack).
# Why a port: Debian builds lwIP as the GNU Hurd uses it: its socket API on the system's own
# <sys/socket.h> (LWIP_SOCKET_EXTERNAL_HEADERS) and with the unix port's Linux tap and serial
# drivers. A stub domain has no system socket headers (lwIP is its socket layer) and no tap
# device: lwIP's own socket definitions, and the port without tapif.c and sio.c (sys_arch.c,
# on the POSIX layer's threads, stays). Debian's CMake install rule also has no ARCHIVE
# destination for the static library a static-only target builds. (The generic policy drops
# liblwip0 and makes liblwip-dev ship lib*.a instead of lib*.so.)
# Runs in the unpacked, patched source tree as the build user (bash -e); stubbuild-build
# commits the changes outside debian/ as a quilt patch. Written against bookworm's
# 2.1.3+dfsg1-2; each edit checks it took.
edit() { # file perl-expression what fixed-string-check
  perl -0pi -e "$2" "$1"
  if ! grep -qF "$4" "$1"; then echo "port lwip: $3 did not apply to $1" >&2; exit 1; fi
}
edit lib/CMakeLists.txt 's/install\(TARGETS lwip LIBRARY DESTINATION \$\{CMAKE_INSTALL_LIBDIR\}\)/install(TARGETS lwip LIBRARY DESTINATION \${CMAKE_INSTALL_LIBDIR} ARCHIVE DESTINATION \${CMAKE_INSTALL_LIBDIR})/' \
  "ARCHIVE destination" 'ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}'
edit port/include/lwipopts.h 's/#define LWIP_SOCKET_EXTERNAL_HEADERS\s+1\n#define LWIP_SOCKET_EXTERNAL_HEADER_SOCKETS_H[^\n]*\n#define LWIP_SOCKET_EXTERNAL_HEADER_INET_H[^\n]*\n/#define LWIP_SOCKET_EXTERNAL_HEADERS 0 \/* stubdom: lwIP is the socket layer *\/\n/' \
  "lwIP's own socket headers" '#define LWIP_SOCKET_EXTERNAL_HEADERS 0'
edit port/Filelists.cmake 's/\n    \$\{LWIP_DIR\}\/port\/netif\/sio\.c\n    \$\{LWIP_DIR\}\/port\/netif\/tapif\.c\n/\n/' \
  "no tap or serial driver" '${LWIP_DIR}/port/netif/list.c
)'
# NetBSD's <sys/types.h> (rumprun) defines the byte-order functions as macros, as glibc's and
# Darwin's do: the unix port keeps the system's for those, and now for NetBSD too (lwIP's own
# htons was a redefinition)
edit port/include/arch/cc.h 's/(\n  \|\| defined\(LWIP_UNIX_HURD\) \|\| defined\(LWIP_UNIX_KFREEBSD\))\n(\/\* sys\/types\.h)/$1 || defined(__NetBSD__)\n$2/' \
  "the system's byte-order functions on NetBSD" '  || defined(LWIP_UNIX_HURD) || defined(LWIP_UNIX_KFREEBSD) || defined(__NetBSD__)'
# Debian's sockets.c reads address lengths through macros the Hurd's posix/sockets.h defined;
# lwIP's own struct sockaddr has the length fields
cat >> port/include/lwipopts.h <<'H'

/* stubdom (stubbuild port): lwIP's own sockaddr, which has sin_len/sin6_len/sa_len */
#define IP4ADDR_SOCKADDR_SET_LEN(sin) (sin)->sin_len = sizeof(struct sockaddr_in)
#define IP6ADDR_SOCKADDR_SET_LEN(sin6) (sin6)->sin6_len = sizeof(struct sockaddr_in6)
#define IPADDR_SOCKADDR_GET_LEN(addr) (addr)->sa.sa_len
H
