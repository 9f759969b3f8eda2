// Issue 14's corpus: 23 bookworm sources, the C libraries a stub domain links (Xen's
// stub-domain set first). corpusOrder lists them so that each comes after the sources whose
// binaries it build-depends on (for runs without the service's dep-wait).
export const corpus = [
  'zlib', 'pciutils', 'gmp', 'mbedtls', 'lwip', 'bzip2', 'xz-utils', 'lz4', 'libzstd', 'expat', 'libyaml', 'json-c',
  'libtommath', 'nettle', 'libsodium', 'pcre2', 'jansson', 'cjson', 'lua5.4', 'brotli', 'xxhash', 'libb2', 'libffi',
];
export const corpusOrder = [
  'zlib', 'lz4', 'xz-utils', 'bzip2', 'gmp', 'libzstd', 'nettle', 'pciutils', 'mbedtls', 'lwip', 'expat', 'libyaml',
  'json-c', 'libtommath', 'libsodium', 'pcre2', 'jansson', 'cjson', 'lua5.4', 'brotli', 'xxhash', 'libb2', 'libffi',
];
