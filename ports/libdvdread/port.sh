# ports/libdvdread/port.sh — libdvdread for the newlib flavor.
# Why a port: src/bswap.h takes each known system's byte-swap header (<byteswap.h> of glibc,
# <sys/endian.h> of the BSDs) and stops with #error on any other; newlib has neither. Its own
# advice for such a system is to join the list that uses the portable macros, which the stub
# domain (__STUBDOM__) does here. rumprun is NetBSD, which bswap.h knows: no port there.
# Runs in the unpacked source tree as the build user (bash -e); the edit checks it took.
perl -pi -e 's{^#elif defined\(__FreeBSD__\) \|\| defined\(__sun\)}{#elif defined(__STUBDOM__) || defined(__FreeBSD__) || defined(__sun)}' src/bswap.h
grep -q '^#elif defined(__STUBDOM__) || defined(__FreeBSD__)' src/bswap.h || { echo "port libdvdread: the portable byte swaps were not found in src/bswap.h" >&2; exit 1; }
