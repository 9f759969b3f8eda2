// A control.tar or data.tar member, decompressed as it streams in (gzip in-process; xz, zstd
// and bzip2 by a child process, killed on any failure) and walked entry by entry. Every
// decompressed byte is taken from the package's budget.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { RepoError } from '../repo-error.ts';
import type { Budget } from './budget.ts';
import type { MemberSink } from './member-sinks.ts';

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd' | 'bzip2';

// Child decompressors' stderr is kept only for the error message.
const STDERR_MAX = 4096;

/**
 * Decompresses a tar member and walks its entries. `onEntry` decides per entry whether to
 * keep the bytes (it returns a collector) or let them drain.
 */
export class TarMemberSink implements MemberSink {
  private readonly input: Writable;
  private readonly output: Readable;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  private readonly childExit: Promise<number | null> | undefined;
  private stderr = '';
  private readonly extract = tar.extract();
  private readonly failed = new AbortController();
  private failure: unknown;
  private readonly consumed: Promise<void>;

  constructor(
    private readonly member: string,
    compression: Compression,
    private readonly budget: Budget,
    private readonly onEntry: (header: tar.Header) => ((chunk: Buffer) => void) | undefined,
  ) {
    if (compression === 'none') {
      const pass = new PassThrough();
      this.input = pass;
      this.output = pass;
    } else if (compression === 'gzip') {
      const gunzip = createGunzip();
      this.input = gunzip;
      this.output = gunzip;
    } else {
      const tool = { xz: 'xz', zstd: 'zstd', bzip2: 'bzip2' }[compression];
      // -q: no progress or warnings on stderr; errors still go there and end up in our message.
      const child = spawn(tool, ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
      this.child = child;
      this.input = child.stdin;
      this.output = child.stdout;
      this.childExit = new Promise((resolve) => {
        child.on('error', (err) => {
          this.fail(new Error(`cannot run ${tool} to decompress ${this.member}: ${err.message}`, { cause: err }));
          resolve(null);
        });
        child.on('close', (code) => resolve(code));
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (text: string) => {
        if (this.stderr.length < STDERR_MAX) this.stderr += text.slice(0, STDERR_MAX - this.stderr.length);
      });
    }
    // Errors on the input side (EPIPE when a child gives up early, zlib data errors) are
    // recorded; the outcome is decided by the output side and the child's exit status.
    this.input.on('error', (err) => {
      if (!this.child) this.fail(this.decompressError(err));
    });
    this.extract.on('entry', (header, stream, next) => {
      let collect: ((chunk: Buffer) => void) | undefined;
      try {
        collect = this.onEntry(header);
      } catch (err) {
        this.fail(err);
        next(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      stream.on('data', (chunk: unknown) => {
        if (!collect) return;
        try {
          collect(chunk as Buffer);
        } catch (err) {
          collect = undefined;
          this.fail(err);
        }
      });
      stream.on('end', () => next());
    });
    // The tar parser reports bad headers and truncation here, possibly between our writes.
    this.extract.on('error', (err: unknown) => this.fail(err instanceof RepoError ? err : this.tarError(err)));
    this.consumed = this.consume();
    // Settled through finish()/abort(); never left unhandled in between.
    this.consumed.catch(() => undefined);
  }

  private decompressError(err: unknown): RepoError {
    const detail = err instanceof Error ? err.message : String(err);
    return new RepoError('bad-member', `${this.member} cannot be decompressed: ${detail}`, { cause: err });
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.failed.abort();
    this.child?.kill('SIGKILL');
    this.output.destroy();
    this.input.destroy();
    this.extract.destroy();
  }

  /** Pumps decompressed bytes through the budget into the tar parser. */
  private async consume(): Promise<void> {
    const signal = this.failed.signal;
    try {
      for await (const chunk of this.output as AsyncIterable<Buffer>) {
        this.budget.take(chunk.length, this.member);
        if (!this.extract.write(chunk)) await once(this.extract, 'drain', { signal });
      }
      const finished = once(this.extract, 'finish', { signal });
      this.extract.end(undefined);
      await finished;
    } catch (err) {
      // Tar errors were already recorded by the 'error' listener; what is left is the
      // budget (a RepoError) or the decompressor.
      this.fail(err instanceof RepoError ? err : this.decompressError(err));
      throw this.failure;
    }
  }

  private tarError(err: unknown): RepoError {
    const detail = err instanceof Error ? err.message : String(err);
    return new RepoError('bad-member', `${this.member} is not a valid tar archive: ${detail}`, { cause: err });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.input.destroyed) return this.settleFailure();
    if (this.input.write(chunk)) return;
    // Wait for room, or for any sign that no room will come: a child that exits early
    // (corrupt data) closes its stdin without a 'drain', and a failure elsewhere aborts.
    await new Promise<void>((resolve) => {
      const signal = this.failed.signal;
      const done = () => {
        this.input.off('drain', done).off('close', done).off('error', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.input.on('drain', done).on('close', done).on('error', done);
      signal.addEventListener('abort', done);
      if (signal.aborted) done();
    });
    if (this.failure !== undefined || this.input.destroyed) return this.settleFailure();
  }

  /** After the input broke, wait for the output side or the child to say why. */
  private async settleFailure(): Promise<never> {
    await Promise.allSettled([this.consumed, this.childExit]);
    await this.preferDecompressorError();
    if (this.failure === undefined) this.fail(this.decompressError(new Error('decompressor input closed early')));
    throw this.failure;
  }

  /**
   * A child that exited with an error status knows best what was wrong (xz: "Compressed
   * data is corrupt"); the tar parser only sees the truncated output. A child we killed
   * ourselves has no exit status and changes nothing.
   */
  private async preferDecompressorError(): Promise<void> {
    if (!this.childExit) return;
    const code = await this.childExit;
    if (typeof code === 'number' && code !== 0 && !(this.failure instanceof RepoError && this.failure.code === 'too-large')) {
      const why = this.stderr.trim() || `exit status ${code}`;
      const err = new RepoError('bad-member', `${this.member} cannot be decompressed: ${why}`);
      // Replacing an earlier failure only changes the message: fail() already cleaned up.
      if (this.failure === undefined) this.fail(err);
      else this.failure = err;
    }
  }

  async finish(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.input.end();
    try {
      await this.consumed;
    } catch {
      await this.preferDecompressorError();
      throw this.failure;
    }
    await this.preferDecompressorError();
    if (this.failure !== undefined) throw this.failure;
  }

  async abort(): Promise<void> {
    this.fail(new Error('aborted'));
    await Promise.allSettled([this.consumed, this.childExit]);
  }
}
