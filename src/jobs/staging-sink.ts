// Where a staged file's bytes go while it arrives. A small file that arrives quickly (most
// .debs of a bulk upload are a few KiB, within one read of the socket) is held in memory, within
// the service's budget for that (memory-budget.ts), and written afterwards in one go, by the
// caller or by whoever it hands the bytes to (a filing thread), so receiving the next part of a
// request need not wait for an open, writes and a close per part. A file that grows past the
// threshold or the budget, or is still arriving after a moment, goes to disk as it arrives: a
// slow client holds no memory, and what it sends is in staging where the bounds count it.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { HeldBytes, MemoryBudget } from './memory-budget.ts';

// A part still arriving after this long is written to disk as it comes. Pauses of tens of
// milliseconds inside a part are ordinary (the network, the client's own reads, a collector
// pause here); at 20 ms a 10,000-part upload spilled 1–4 parts, and the intake waited on each
// spill's disk writes for 0.1–0.5 s while the parser ran thousands of parts ahead. What a slow
// part holds meanwhile is bounded by the threshold per part and by the budget.
export const SPILL_AFTER_MS = 500;

export class StagingSink extends Writable {
  private chunks: Buffer[] = [];
  private held = 0;
  private file: FileHandle | undefined;
  private spilling = false;
  private spillTimer: NodeJS.Timeout | undefined;
  // Disk work in order: a spill started by the timer, then the chunks that followed.
  private diskWork: Promise<void> = Promise.resolve();

  /** `accept` sees every chunk first (to hash and count it) and refuses it by throwing. */
  constructor(
    private readonly tmpPath: string,
    private readonly inMemoryUpTo: number,
    private readonly budget: MemoryBudget,
    private readonly accept: (chunk: Buffer) => void,
  ) {
    super();
  }

  /** True when the bytes are on disk already (the file was spilled). */
  get onDisk(): boolean {
    return this.file !== undefined;
  }

  /**
   * What is held in memory (once the sink has finished); still counted in the budget until
   * released. Often a slice of a larger buffer read from the socket: copy it before sending it.
   */
  takeHeld(): HeldBytes {
    const bytes = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.held);
    this.chunks = [];
    let counted = this.held;
    this.held = 0;
    // Not `this`: the sink (its stream state, listeners, chunks) can go while the bytes are held.
    const budget = this.budget;
    return {
      bytes,
      release: () => {
        budget.give(counted);
        counted = 0;
      },
    };
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    try {
      this.accept(chunk);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (!this.spilling && this.held + chunk.length <= this.inMemoryUpTo && this.budget.tryTake(chunk.length)) {
      this.chunks.push(chunk);
      this.held += chunk.length;
      this.spillTimer ??= setTimeout(() => {
        if (!this.spilling && !this.writableFinished && !this.destroyed) this.toDisk().catch((error: Error) => this.destroy(error));
      }, SPILL_AFTER_MS).unref();
      done();
      return;
    }
    this.toDisk(chunk).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    clearTimeout(this.spillTimer);
    this.diskWork.then(() => this.file?.close()).then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    clearTimeout(this.spillTimer);
    // Also called after a clean finish (autoDestroy): what is held is still to be taken then.
    if (error) this.dropHeld();
    if (!error || !this.spilling) return done(error);
    // A refused or cut part that was going to disk: close the file; the caller removes it.
    this.diskWork
      .then(() => this.file?.close())
      .then(
        () => done(error),
        () => done(error),
      );
  }

  private dropHeld(): void {
    this.budget.give(this.held);
    this.chunks = [];
    this.held = 0;
  }

  private toDisk(chunk?: Buffer): Promise<void> {
    this.spilling = true;
    const step = this.diskWork.then(() => this.spill(chunk));
    this.diskWork = step.catch(() => undefined);
    return step;
  }

  private async spill(chunk: Buffer | undefined): Promise<void> {
    if (!this.file) {
      this.file = await open(this.tmpPath, 'wx', 0o644);
      const held = Buffer.concat(this.chunks, this.held);
      this.dropHeld();
      await writeWhole(this.file, held);
    }
    if (chunk) await writeWhole(this.file, chunk);
  }
}

/** A write may take fewer bytes than given (a full disk says so on the next one). */
async function writeWhole(file: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += (await file.write(bytes, offset)).bytesWritten;
}
