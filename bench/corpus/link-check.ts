// Run by bench/corpus/run.ts after the corpus: in a fresh builder
// container, the -dev packages of Xen's stub-domain set and OpenSSL's are installed by apt from
// the service's repository (handed in read-only with its key, as a build gets it; no network),
// and one program calling each library compiles and links with <triplet>-gcc, OpenSSL's flags
// from <triplet>-pkg-config (its private libraries too: -pthread on rumprun).
import { type RepoContainer, runAgainstRepo } from './repo-container.ts';

const program = `#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <gmp.h>
#include <pci/pci.h>
#include <mbedtls/sha256.h>
#include <lwip/init.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
int main(void) {
  unsigned char digest[32], packed[128];
  uLongf packedLen = sizeof packed;
  mpz_t a, b;
  struct pci_access *pci = pci_alloc();
  mpz_init_set_ui(a, 1234567);
  mpz_init_set_ui(b, 7654321);
  mpz_mul(a, a, b);
  mbedtls_sha256_ret((const unsigned char *)"stub", 4, digest, 0);
  compress(packed, &packedLen, (const Bytef *)"stub domain", 11);
  lwip_init();
  pci_cleanup(pci);
  SHA256((const unsigned char *)"stub", 4, digest);
  SSL_CTX_free(SSL_CTX_new(TLS_client_method()));
  return digest[0] + (int)packedLen;
}
`;

/** What the program links: per library, the source building it, its -dev package, a function it calls. */
export const linkCheckLibraries = [
  { source: 'zlib', name: 'zlib', package: 'zlib1g-dev', symbol: 'compress' },
  { source: 'pciutils', name: 'libpci', package: 'libpci-dev', symbol: 'pci_alloc' },
  { source: 'gmp', name: 'gmp', package: 'libgmp-dev', symbol: '__gmpz_mul' },
  { source: 'mbedtls', name: 'mbedtls', package: 'libmbedtls-dev', symbol: 'mbedtls_sha256_ret' },
  { source: 'lwip', name: 'lwIP', package: 'liblwip-dev', symbol: 'lwip_init' },
  { source: 'openssl', name: 'OpenSSL', package: 'libssl-dev', symbol: 'SSL_CTX_new' },
];
const symbols = linkCheckLibraries.map((library) => library.symbol);

export async function linkCheck(opts: RepoContainer & { triplet: string }): Promise<{ ok: boolean; output: string }> {
  const T = opts.triplet;
  const { code, output } = await runAgainstRepo(
    opts,
    [
      `apt-get install -y -qq ${linkCheckLibraries.map((library) => `${library.package}:${opts.arch}`).join(' ')} > /dev/null`,
      'cd /tmp',
      `${T}-gcc -Wall -c /check/uses.c -o uses.o $(${T}-pkg-config --cflags lwip)`,
      `${T}-gcc uses.o -o uses -lpci -lgmp -lmbedcrypto -llwip -lz $(${T}-pkg-config --libs openssl)`,
      `${T}-nm -u uses | wc -l | sed 's/^/undefined symbols: /'`,
      `echo linked: $(${T}-nm uses | grep -c -w -E 'T (${symbols.join('|')})') of ${symbols.length}`,
    ],
    { 'uses.c': program },
  );
  return { ok: code === 0 && output.includes(`linked: ${symbols.length} of ${symbols.length}`), output };
}
