import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../domain-error.ts';

export interface StagedFile {
  /** The name the client gave; checked before it names anything on disk. */
  name: string;
  tmpPath: string;
  sha256: string;
  size: number;
}

/**
 * Source files, content-addressed under DATA_DIR/files/sha256/. Uploads are staged under
 * DATA_DIR/tmp first and only moved into the store once the whole upload is accepted, so a
 * refused upload leaves nothing behind.
 */
export class SourceStore {
  readonly filesDir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.filesDir = path.join(dataDir, 'files', 'sha256');
    this.tmpDir = path.join(dataDir, 'tmp');
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.filesDir, sha256.slice(0, 2), sha256);
  }

  /** Streams `input` to a temporary file, hashing it; refuses it past `maxBytes`. */
  async stage(name: string, input: Readable, maxBytes: number): Promise<StagedFile> {
    await fs.promises.mkdir(this.tmpDir, { recursive: true });
    const tmpPath = path.join(this.tmpDir, `upload-${randomUUID()}`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(new DomainError('too-large', `${name} is larger than the limit of ${maxBytes} bytes`, { file: name }));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(input, meter, fs.createWriteStream(tmpPath, { flags: 'wx', mode: 0o644 }));
    } catch (error) {
      await fs.promises.rm(tmpPath, { force: true });
      throw error;
    }
    return { name, tmpPath, sha256: hash.digest('hex'), size };
  }

  /**
   * Moves a staged file into the store. Returns false when the store already had that content
   * (another job's), so a caller undoing a failed submission removes only what it added.
   */
  async commit(file: StagedFile): Promise<boolean> {
    const target = this.pathOf(file.sha256);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    try {
      await fs.promises.link(file.tmpPath, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.promises.rm(file.tmpPath, { force: true });
    }
  }

  async remove(sha256: string): Promise<void> {
    await fs.promises.rm(this.pathOf(sha256), { force: true });
  }

  async discard(files: readonly StagedFile[]): Promise<void> {
    await Promise.all(files.map((f) => fs.promises.rm(f.tmpPath, { force: true })));
  }

  /**
   * Staged files a crash left behind are never part of a job. Only old ones are removed, so a
   * replica sharing DATA_DIR keeps the upload it is receiving right now.
   */
  async removeStaleStaging(olderThanMs = 60 * 60 * 1000): Promise<number> {
    const entries = await fs.promises.readdir(this.tmpDir).catch(() => [] as string[]);
    let removed = 0;
    for (const entry of entries) {
      const file = path.join(this.tmpDir, entry);
      const stat = await fs.promises.stat(file).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > olderThanMs) {
        await fs.promises.rm(file, { force: true, recursive: true });
        removed += 1;
      }
    }
    return removed;
  }
}
