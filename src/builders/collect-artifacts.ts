import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { hashingStage, StreamHash } from '../stream-hash.ts';
import type { Artifact } from './builder.ts';

export class ArtifactsTooLargeError extends Error {}

function kindOf(relative: string): Artifact['kind'] | undefined {
  if (relative.startsWith('source/')) return 'source';
  if (/\.(u|d)?deb$/.test(relative)) return 'deb';
  if (relative.endsWith('.buildinfo')) return 'buildinfo';
  if (relative.endsWith('.changes')) return 'changes';
  if (relative.endsWith('.log') || relative === 'outcome.json') return 'log';
  return undefined;
}

// Names come from inside the container: one plain file name, or source/<name>, nothing else.
function safeRelativeName(entryName: string, root: string): string | undefined {
  const parts = entryName.split('/').filter((p) => p !== '' && p !== '.');
  if (parts[0] !== root) return undefined;
  const rest = parts.slice(1);
  if (rest.length === 0 || rest.length > 2 || (rest.length === 2 && rest[0] !== 'source')) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (rest.some((p) => p === '..' || p.startsWith('.') || /[\0-\x1f\\]/.test(p))) return undefined;
  return rest.join('/');
}

/**
 * Unpacks the tar Docker gives for the container's output folder into `dir`: regular files of
 * the known kinds only, each hashed, all of them together within `maxBytes`.
 */
export async function collectArtifacts(archive: Readable, options: { root: string; dir: string; maxBytes: number }): Promise<Artifact[]> {
  await fs.promises.mkdir(path.join(options.dir, 'source'), { recursive: true });
  const artifacts: Artifact[] = [];
  let total = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.type === 'file' ? safeRelativeName(header.name, options.root) : undefined;
    const kind = name ? kindOf(name) : undefined;
    if (!name || !kind) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const hash = new StreamHash(['sha256']);
    const meter = hashingStage(hash, (chunk) => {
      total += chunk.length;
      if (total > options.maxBytes) throw new ArtifactsTooLargeError(`the artifacts are larger than ${options.maxBytes} bytes`);
    });
    pipeline(stream, meter, fs.createWriteStream(path.join(options.dir, name), { mode: 0o644 }))
      .then(() => {
        const { size, sha256 } = hash.digest();
        artifacts.push({ name, kind, size, sha256 });
        next();
      })
      .catch((error: unknown) => extract.destroy(error as Error));
  });
  await pipeline(archive, extract);
  return artifacts.sort((a, b) => a.name.localeCompare(b.name));
}
