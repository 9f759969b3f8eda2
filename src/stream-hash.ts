// Checksums of bytes as they stream past (a file, an upload, a download, a build's artifact):
// every algorithm asked for, and the byte count, in one pass.
import { createHash, type Hash, hash as oneShotHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';

export type HashAlgorithm = 'sha256' | 'sha1' | 'md5';

/** Lowercase hex digests by algorithm, and the number of bytes hashed. */
export type Digests<A extends HashAlgorithm> = { [K in A]: string } & { size: number };

export class StreamHash<A extends HashAlgorithm> {
  private readonly hashes: [A, Hash][];
  private bytes = 0;

  constructor(algorithms: readonly A[]) {
    this.hashes = algorithms.map((a) => [a, createHash(a)]);
  }

  /** Bytes hashed so far. */
  get size(): number {
    return this.bytes;
  }

  update(chunk: Buffer): void {
    for (const [, hash] of this.hashes) hash.update(chunk);
    this.bytes += chunk.length;
  }

  digest(): Digests<A> {
    const out: Record<string, string | number> = { size: this.bytes };
    for (const [algorithm, hash] of this.hashes) out[algorithm] = hash.digest('hex');
    return out as Digests<A>;
  }
}

/** Digests of what `chunks` yields (a file's stream, an open handle's). */
export async function hashChunks<A extends HashAlgorithm>(chunks: AsyncIterable<Buffer>, algorithms: readonly A[]): Promise<Digests<A>> {
  const hash = new StreamHash(algorithms);
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest();
}

export function hashFile<A extends HashAlgorithm>(path: string, algorithms: readonly A[]): Promise<Digests<A>> {
  return hashChunks(createReadStream(path) as AsyncIterable<Buffer>, algorithms);
}

/** Digests of bytes already in memory. */
export function hashBytes<A extends HashAlgorithm>(bytes: Buffer, algorithms: readonly A[]): Digests<A> {
  // One call per algorithm: no Hash object to build (most of the cost for a few KiB).
  const out: Record<string, string | number> = { size: bytes.length };
  for (const algorithm of algorithms) out[algorithm] = oneShotHash(algorithm, bytes, 'hex');
  return out as Digests<A>;
}

/**
 * A pass-through stream stage that hashes what flows through it. `check` sees each chunk
 * before it is hashed (with `hash.size` not yet counting it) and refuses it by throwing: the
 * stream then fails with that error.
 */
export function hashingStage<A extends HashAlgorithm>(hash: StreamHash<A>, check?: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        check?.(chunk);
      } catch (error) {
        done(error as Error);
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
}
