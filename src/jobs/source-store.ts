import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished, type Readable, type Writable } from 'node:stream';
import { DomainError } from '../domain-error.ts';
import { isProcessAlive } from '../process-alive.ts';
import { hashBytes, StreamHash } from '../stream-hash.ts';
import { type HeldBytes, MemoryBudget } from './memory-budget.ts';
import { StagingSink } from './staging-sink.ts';

/**
 * A file read whole from its stream: `written` settles once it is on disk, or, when the caller
 * asked to hold small files, its bytes may be `held` in memory instead (see receive).
 */
export type ReceivedFile =
  { file: StagedFile; written: Promise<StagedFile>; held?: undefined } | { file: StagedFile; held: HeldBytes; written?: undefined };

// Files up to this size are held in memory while they arrive and written in one call.
const IN_MEMORY_UP_TO = 256 * 1024;
// Bytes of all uploads held in memory at once; past it, files go to disk as they arrive.
const HELD_IN_MEMORY_UP_TO = 64 * 1024 * 1024;

export interface StagedFile {
  /** The name the client gave; checked before it names anything on disk. */
  name: string;
  tmpPath: string;
  sha256: string;
  /** Also computed while streaming: a .dsc may list them, and every listed checksum is checked. */
  sha1: string;
  md5: string;
  size: number;
}

// Staging files are named for the process that writes them (`upload.<host>.<pid>.<uuid>`),
// so a sweep can tell a dead process's leftovers from a live one's upload.
const host = os.hostname().replace(/[^A-Za-z0-9-]/g, '_');
const STAGING_NAME = /^upload\.([A-Za-z0-9_-]+)\.([0-9]+)\./;

/**
 * Source files, content-addressed under DATA_DIR/files/sha256/. Uploads are staged under
 * DATA_DIR/tmp first and only moved into the store once the whole upload is accepted, so a
 * refused upload leaves nothing behind.
 */
export class SourceStore {
  readonly filesDir: string;
  readonly tmpDir: string;
  /** Bytes of uploads held in memory, across requests. */
  readonly memory: MemoryBudget;
  private tmpDirMade: Promise<void> | undefined;

  constructor(dataDir: string, options: { heldInMemoryUpTo?: number } = {}) {
    this.filesDir = path.join(dataDir, 'files', 'sha256');
    this.tmpDir = path.join(dataDir, 'tmp');
    this.memory = new MemoryBudget(options.heldInMemoryUpTo ?? HELD_IN_MEMORY_UP_TO);
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.filesDir, sha256.slice(0, 2), sha256);
  }

  /**
   * Streams `input` to a temporary file, hashing it; refuses it past `maxBytes`. `onBytes` sees
   * each chunk first and may refuse it by throwing (a limit on staging as a whole).
   */
  async stage(name: string, input: Readable, maxBytes: number, onBytes?: (bytes: number) => void): Promise<StagedFile> {
    const received = await this.receive(name, input, maxBytes, onBytes);
    return received.written ?? this.writeHeld(received.file, received.held);
  }

  /**
   * Like stage, but settles once `input` has been read: a small file may still be on its way
   * to disk then, and `written` settles when it is there (the caller must await it, also to
   * remove the file after a refusal). Lets a caller read the next part meanwhile. With `hold`,
   * a small file's bytes are `held` instead, and the caller writes them to `file.tmpPath` (or
   * has them written) and releases them.
   */
  async receive(name: string, input: Readable, maxBytes: number, onBytes?: (bytes: number) => void, hold = false): Promise<ReceivedFile> {
    await this.ensureTmpDir();
    const tmpPath = path.join(this.tmpDir, `upload.${host}.${process.pid}.${randomUUID()}`);
    let size = 0;
    // A part held in memory is hashed in one call once it is all there (a streaming hash per
    // algorithm costs more than hashing a small part); one that goes to disk, as it arrives.
    let hash: StreamHash<'sha256' | 'sha1' | 'md5'> | undefined;
    let unhashed: Buffer[] | undefined = [];
    const sink = new StagingSink(tmpPath, IN_MEMORY_UP_TO, this.memory, (chunk) => {
      if (size + chunk.length > maxBytes) {
        throw new DomainError('too-large', `${name} is larger than the limit of ${maxBytes} bytes`, { file: name });
      }
      onBytes?.(chunk.length);
      size += chunk.length;
      if (unhashed && size <= IN_MEMORY_UP_TO && !sink.onDisk) {
        unhashed.push(chunk);
        return;
      }
      hash ??= new StreamHash(['sha256', 'sha1', 'md5']);
      for (const c of unhashed ?? []) hash.update(c);
      unhashed = undefined;
      hash.update(chunk);
    });
    try {
      await pour(input, sink);
    } catch (error) {
      await fs.promises.rm(tmpPath, { force: true });
      throw error;
    }
    const held = sink.onDisk ? undefined : sink.takeHeld();
    const digests = held ? hashBytes(held.bytes, ['sha256', 'sha1', 'md5']) : hashAll(hash, unhashed);
    const file = { name, tmpPath, sha256: digests.sha256, sha1: digests.sha1, md5: digests.md5, size };
    if (!held) return { file, written: Promise.resolve(file) };
    return hold ? { file, held } : { file, written: this.writeHeld(file, held) };
  }

  /** Writes a file's bytes held in memory to its staging path, and releases them. */
  async writeHeld(file: StagedFile, held: HeldBytes): Promise<StagedFile> {
    try {
      await this.writeNew(file.tmpPath, held.bytes);
    } finally {
      held.release();
    }
    return file;
  }

  /** The staging folder is made once per store, and again if something removed it since. */
  private ensureTmpDir(): Promise<void> {
    this.tmpDirMade ??= fs.promises.mkdir(this.tmpDir, { recursive: true }).then(
      () => undefined,
      (error: unknown) => {
        this.tmpDirMade = undefined;
        throw error;
      },
    );
    return this.tmpDirMade;
  }

  private async writeNew(tmpPath: string, bytes: Buffer): Promise<void> {
    const write = () => fs.promises.writeFile(tmpPath, bytes, { flag: 'wx', mode: 0o644 });
    try {
      await write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.tmpDirMade = undefined;
      await this.ensureTmpDir();
      await write();
    }
  }

  /**
   * Moves a staged file into the store. Returns false when the store already had that content
   * (another job's), so a caller undoing a failed submission removes only what it added.
   */
  async commit(file: StagedFile): Promise<boolean> {
    const target = this.pathOf(file.sha256);
    try {
      // A concurrent remove() may take the directory away between mkdir and link: again.
      for (let tries = 0; ; tries += 1) {
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        try {
          await fs.promises.link(file.tmpPath, target);
          return true;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') return false;
          if (code !== 'ENOENT' || tries >= 3) throw error;
        }
      }
    } finally {
      await fs.promises.rm(file.tmpPath, { force: true });
    }
  }

  /** Removes a stored file, and its fan-out directory when that is left empty. */
  async remove(sha256: string): Promise<void> {
    const file = this.pathOf(sha256);
    await fs.promises.rm(file, { force: true });
    await fs.promises.rmdir(path.dirname(file)).catch(() => undefined); // not empty: others are there
  }

  async discard(files: readonly StagedFile[]): Promise<void> {
    await Promise.all(files.map((f) => fs.promises.rm(f.tmpPath, { force: true })));
  }

  /**
   * Staged files a crash left behind are never part of a job. A file of a process of this
   * machine that is gone is removed at once; a live process's never; one of another machine
   * sharing DATA_DIR (or of an unknown name) only once it has not changed for `olderThanMs`.
   */
  async removeStaleStaging(olderThanMs = 60 * 60 * 1000): Promise<number> {
    const entries = await fs.promises.readdir(this.tmpDir).catch(() => [] as string[]);
    let removed = 0;
    for (const entry of entries) {
      const owner = STAGING_NAME.exec(entry);
      if (owner && owner[1] === host) {
        if (isProcessAlive(Number(owner[2]))) continue;
      } else {
        const stat = await fs.promises.stat(path.join(this.tmpDir, entry)).catch(() => undefined);
        if (!stat || Date.now() - stat.mtimeMs <= olderThanMs) continue;
      }
      await fs.promises.rm(path.join(this.tmpDir, entry), { force: true, recursive: true });
      removed += 1;
    }
    return removed;
  }
}

/** The digests of a part that went to disk: what `hash` has seen, then the chunks it has not. */
function hashAll(hash: StreamHash<'sha256' | 'sha1' | 'md5'> | undefined, unhashed: Buffer[] | undefined) {
  const all = hash ?? new StreamHash(['sha256', 'sha1', 'md5']);
  for (const c of unhashed ?? []) all.update(c);
  return all.digest();
}

/**
 * Pours `input` into `sink` (a plain pipe: a pipeline per part costs an abort controller and its
 * listeners). Settles once the sink has finished, or, after an error on either side (also one
 * before the call: a parser may have torn the part down already), once both are torn down: the
 * sink's file is closed by then, so the caller may remove it.
 */
function pour(input: Readable, sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      input.unpipe(sink);
      input.destroy();
      sink.destroy(failure);
    };
    const stopWatching = finished(input, (error) => error && fail(error));
    sink.on('error', fail);
    sink.on('close', () => {
      stopWatching();
      if (failure) reject(failure);
      else resolve();
    });
    input.pipe(sink);
  });
}
