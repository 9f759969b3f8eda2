// The corpus: 99 bookworm sources, the C libraries a stub domain links (Xen's stub-domain set
// first; issue 14's 23, then the image libraries of a device-model stub domain's VNC, then more
// that publish on both toolchain families, C++ ones among them), and for each flavor what only
// it can build.
import type { Flavor } from '../../src/builders/arch-profile.ts';

// corpusOrder lists them so that each comes after the sources whose binaries it build-depends
// on (for runs without the service's dep-wait: bench/corpus/entrypoint.ts).
export const corpus = [
  'zlib',
  'pciutils',
  'gmp',
  'mbedtls',
  'lwip',
  'bzip2',
  'xz-utils',
  'lz4',
  'libzstd',
  'expat',
  'libyaml',
  'json-c',
  'libtommath',
  'nettle',
  'libsodium',
  'pcre2',
  'jansson',
  'cjson',
  'lua5.4',
  'brotli',
  'xxhash',
  'libb2',
  'libffi',
  'libpng1.6',
  'libjpeg-turbo',
  'lzo2',
  'libogg',
  'libev',
  'libmd',
  'libtasn1-6',
  'yajl',
  'libxml2',
  'libdeflate',
  'lzlib',
  'libconfig',
  'libonig',
  'libvorbis',
  'opus',
  'speex',
  'mpfr4',
  'mpclib3',
  'libgsm',
  'utf8proc',
  'fribidi',
  'libspiro',
  'libexif',
  'tre',
  'giflib',
  'a52dec',
  'faad2',
  'libcsv',
  'speexdsp',
  'zopfli',
  'libcue',
  'wavpack',
  'cmark',
  'jbig2dec',
  'minizip',
  'openssl',
  'double-conversion',
  'libdivsufsort',
  'pugixml',
  'tinyxml2',
  'fmtlib',
  'duktape',
  'libestr',
  'libebml',
  'libdca',
  'libmodplug',
  'flac',
  'libtomcrypt',
  'freetype',
  'mxml',
  'http-parser',
  'cmocka',
  'libmspack',
  'libzip',
  'libscrypt',
  'libxmp',
  'libsidplay',
  'libyuv',
  'bearssl',
  'libsoxr',
  'libdmtx',
  'tinyxml',
  'libdvdread',
  'libdvdnav',
  'serd',
  'jq',
  'libudfread',
  'libdvbpsi',
  'judy',
  'libyubikey',
  'uchardet',
  'graphite2',
  'mhash',
  'libspng',
  'libopusenc',
  'sord',
];
/**
 * What needs a C library only one flavor has: rumprun's is NetBSD's, with sockets and the
 * locale and wide-character functions gnulib checks for (libunistring; libidn2 build-depends on
 * it, and libpsl on libidn2); c-ares is a DNS resolver; msgpack-c, libyang2 and woff2 include
 * <arpa/inet.h> (newlib has no byte-order functions by their POSIX names); libtar needs device
 * numbers, mknod and symbolic links; libevent,
 * libssh2 and libuv1 are network libraries; libgpg-error (the base of libgcrypt20 and
 * libassuan) logs to sockets and spawns processes, and libassuan talks over sockets; SQLite's
 * unix VFS locks files and maps them, and so does lmdb (<sys/uio.h>, shared mappings); libsmi
 * declares an asnprintf newlib declares otherwise, and its library reads the user database and
 * runs a preprocessor (execv, waitpid);
 * libmaxminddb's header includes <netdb.h>; wolfssl's I/O layer includes <sys/socket.h>.
 * newlib's has no sockets (`socklen_t`, `gethostbyname`, <sys/socket.h>), none of libtar's, no
 * <sys/ioctl.h> and no process clock.
 */
const flavorOnly: Record<Flavor, string[]> = {
  newlib: [],
  rumprun: [
    'libunistring',
    'libidn2',
    'libpsl',
    'c-ares',
    'msgpack-c',
    'libtar',
    'libevent',
    'libssh2',
    'libuv1',
    'libgpg-error',
    'libgcrypt20',
    'libassuan',
    'sqlite3',
    'lmdb',
    'libsmi',
    'libmaxminddb',
    'wolfssl',
    'libyang2',
    'woff2',
  ],
};
/** The corpus a flavor's architecture builds: the common sources, then its own. */
export function corpusFor(flavor: Flavor): string[] {
  return [...corpus, ...flavorOnly[flavor]];
}
/** The sources others build-depend on, each after its own build-dependencies among them. */
const buildFirst = ['zlib', 'lz4', 'xz-utils', 'bzip2', 'gmp', 'mpfr4', 'libzstd', 'nettle', 'libogg'];
export const corpusOrder = [...buildFirst, ...corpus.filter((source) => !buildFirst.includes(source))];
