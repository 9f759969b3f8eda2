// Inspects an uploaded .deb in one streaming pass: the ar framing (deb(5)), the control file
// from control.tar, a full walk of data.tar to prove it is a readable tar, and the checksums
// of the whole file. Nothing is extracted to disk and the file is never held in memory; every
// decompressed byte counts against one budget, so a decompression bomb is cut off (and its
// xz/zstd child killed) as soon as it crosses the limit. Small packages in dpkg-deb's plainest
// form take an in-memory shortcut (bounded: 256 KiB read, 4 MiB per decompressed member; see
// inspectInMemory at the end), which hands anything unusual back to the streaming reader.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { AR_HEADER_SIZE, AR_MAGIC, arPadding, type ArMember, type ArMemberHeader, parseArHeader, readArMembers, startsWithArMagic } from '../../debian/ar.ts';
import { getField, parseDeb822, type Paragraph } from '../../debian/deb822.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import { assertPackageName, assertVersion } from '../pool/pool-path.ts';
import { findUnsafeField } from '../../debian/control-characters.ts';
import { RepoError } from '../repo-error.ts';

export interface InspectDebOptions {
  /** Architecture values accepted in the control file (the repository's, and 'all'). */
  allowedArchitectures: string[];
  /** Largest `control` file (inside control.tar) that is read into memory. */
  maxControlBytes: number;
  /** Budget for all decompressed bytes of control.tar and data.tar together. */
  maxUncompressedBytes: number;
}

export interface DebInfo {
  control: Paragraph;
  package: string;
  version: string;
  architecture: string;
  /** Source package name: from `Source: name [(version)]`, else the binary's own name. */
  source: string;
  /** Source version: from `Source: name (version)`, else the binary's Version. */
  sourceVersion: string;
  /** Size of the .deb in bytes. */
  size: number;
  sha256: string;
  md5: string;
  /** Decompressed bytes of control.tar + data.tar (what the budget counted). */
  uncompressedBytes: number;
  /** The file as it was read (when read whole), so a later step can tell it is unchanged. */
  file?: FileIdentity;
}

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

type Compression = 'none' | 'gzip' | 'xz' | 'zstd' | 'bzip2';

const DEBIAN_BINARY_MAX = 64;
// Child decompressors' stderr is kept only for the error message.
const STDERR_MAX = 4096;

const CONTROL_MEMBER: Record<string, Compression> = {
  'control.tar': 'none',
  'control.tar.gz': 'gzip',
  'control.tar.xz': 'xz',
  'control.tar.zst': 'zstd',
};
const DATA_MEMBER: Record<string, Compression> = {
  'data.tar': 'none',
  'data.tar.gz': 'gzip',
  'data.tar.xz': 'xz',
  'data.tar.zst': 'zstd',
  'data.tar.bz2': 'bzip2',
  'data.tar.lzma': 'xz', // xz -d reads the legacy .lzma format too
};

/** Shared count of decompressed bytes across members. */
class Budget {
  used = 0;
  constructor(readonly max: number) {}

  take(n: number, member: string): void {
    this.used += n;
    if (this.used > this.max) {
      throw new RepoError(
        'too-large',
        `${member} expands beyond the limit of ${this.max} uncompressed bytes for this package; refusing it (possible decompression bomb)`,
      );
    }
  }
}

/** What a member's bytes are written into; finish() resolves once the member is fully checked. */
interface MemberSink {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<void>;
  /** Tears everything down after a failure elsewhere; never throws. */
  abort(): Promise<void>;
}

/** Collects a tiny member (debian-binary) with a hard cap. */
class SmallMemberSink implements MemberSink {
  private chunks: Buffer[] = [];
  private length = 0;
  constructor(
    private readonly member: string,
    private readonly max: number,
    private readonly onDone: (content: Buffer) => void,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    this.length += chunk.length;
    if (this.length > this.max) throw new RepoError('bad-member', `${this.member} is larger than ${this.max} bytes`);
    this.chunks.push(chunk);
  }

  async finish(): Promise<void> {
    this.onDone(Buffer.concat(this.chunks));
  }

  async abort(): Promise<void> {}
}

/** Skips a member's bytes (members whose names start with '_', anything after data.tar). */
class IgnoredMemberSink implements MemberSink {
  async write(): Promise<void> {}
  async finish(): Promise<void> {}
  async abort(): Promise<void> {}
}

/**
 * Decompresses a tar member and walks its entries. `onEntry` decides per entry whether to
 * keep the bytes (it returns a collector) or let them drain.
 */
class TarMemberSink implements MemberSink {
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

/** The ar format's refusals (src/debian) as the repository's. */
function readArHeader(header: Buffer): ArMemberHeader {
  try {
    return parseArHeader(header);
  } catch (err) {
    if (err instanceof DebianParseError) throw new RepoError('bad-member', err.message, { cause: err });
    throw err;
  }
}

/** Streaming ar reader that routes member bodies into sinks, in deb(5) order. */
class DebReader {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private state: 'magic' | 'header' | 'body' | 'pad' | 'ignore' = 'magic';
  private remaining = 0;
  private memberName = '';
  private memberSize = 0;
  private sink: MemberSink | undefined;
  private memberIndex = 0;
  private debianBinary = false;
  private controlSeen = false;
  private dataSeen = false;
  control: Paragraph | undefined;

  constructor(
    private readonly opts: InspectDebOptions,
    private readonly budget: Budget,
  ) {}

  private take(n: number): Buffer | undefined {
    if (this.bufferedLength < n) return undefined;
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedLength = rest.length;
    return head;
  }

  async push(chunk: Buffer): Promise<void> {
    let data: Buffer | undefined = chunk;
    while (data !== undefined && data.length > 0) {
      if (this.state === 'ignore') return;
      if (this.state === 'body') {
        const n = Math.min(this.remaining, data.length);
        const part = data.subarray(0, n);
        data = data.subarray(n);
        this.remaining -= n;
        await this.sink!.write(part);
        if (this.remaining === 0) await this.endMember();
        continue;
      }
      this.buffered.push(data);
      this.bufferedLength += data.length;
      data = await this.step();
    }
  }

  /** Handles the fixed-size pieces (magic, headers, pad); returns unconsumed bytes. */
  private async step(): Promise<Buffer | undefined> {
    for (;;) {
      if (this.state === 'magic') {
        const magic = this.take(AR_MAGIC.length);
        if (!magic) return undefined;
        if (!magic.equals(AR_MAGIC)) throw new RepoError('not-ar', 'not a Debian package: the file is not an ar archive');
        this.state = 'header';
      } else if (this.state === 'pad') {
        const pad = this.take(1);
        if (!pad) return undefined;
        this.state = 'header';
      } else if (this.state === 'header') {
        const header = this.take(AR_HEADER_SIZE);
        if (!header) return undefined;
        // startMember always moves on to the member's body.
        await this.startMember(readArHeader(header));
        if (this.remaining === 0) {
          await this.endMember();
          continue;
        }
        return this.take(this.bufferedLength);
      } else {
        return this.take(this.bufferedLength);
      }
    }
  }

  private async startMember(header: ArMemberHeader): Promise<void> {
    const { name } = header;
    const index = this.memberIndex++;
    if (index === 0) {
      if (name !== 'debian-binary') {
        throw new RepoError('bad-member', `not a Debian package: first ar member is ${JSON.stringify(name)}, expected "debian-binary"`);
      }
      this.sink = new SmallMemberSink(name, DEBIAN_BINARY_MAX, (content) => this.checkDebianBinary(content));
    } else if (name.startsWith('_')) {
      // deb(5): members starting with '_' may appear anywhere and are to be ignored.
      this.sink = new IgnoredMemberSink();
    } else if (!this.controlSeen) {
      const compression = CONTROL_MEMBER[name];
      if (compression === undefined) {
        if (name in DATA_MEMBER) throw new RepoError('missing-control', `${name} comes before any control.tar member: the package has no control archive`);
        throw new RepoError('bad-member', `unexpected ar member ${JSON.stringify(name)} where control.tar was expected`);
      }
      this.controlSeen = true;
      this.sink = new TarMemberSink(name, compression, this.budget, (entry) => this.onControlEntry(entry));
    } else {
      const compression = DATA_MEMBER[name];
      if (compression === undefined) {
        throw new RepoError('bad-member', `unexpected ar member ${JSON.stringify(name)} where data.tar was expected`);
      }
      this.dataSeen = true;
      this.sink = new TarMemberSink(name, compression, this.budget, () => undefined);
    }
    this.memberName = name;
    this.memberSize = header.size;
    this.remaining = header.size;
    this.state = 'body';
  }

  private async endMember(): Promise<void> {
    const sink = this.sink!;
    this.sink = undefined;
    await sink.finish();
    if (this.memberName.startsWith('control.tar') && this.control === undefined) {
      throw new RepoError('missing-control', `${this.memberName} has no control file`);
    }
    // deb(5): anything after data.tar is for future formats and is ignored, unread.
    this.state = this.dataSeen ? 'ignore' : 'pad';
    // ar pads odd-sized members to an even offset with one byte.
    if (this.state === 'pad' && arPadding(this.memberSize) === 0) this.state = 'header';
  }

  private checkDebianBinary(content: Buffer): void {
    this.debianBinary = true;
    const text = content.toString('latin1');
    if (!/^2\.[0-9]+\n/.test(text)) {
      throw new RepoError('bad-member', `unsupported Debian package format ${JSON.stringify(text.trim())} (expected 2.x)`);
    }
  }

  private onControlEntry(header: tar.Header): ((chunk: Buffer) => void) | undefined {
    const name = header.name.replace(/^\.\//, '');
    if (name !== 'control') return undefined;
    if (header.type !== 'file') throw new RepoError('bad-control', 'the control entry in control.tar is not a regular file');
    const size = header.size ?? 0;
    if (size > this.opts.maxControlBytes) {
      throw new RepoError('too-large', `control file is ${size} bytes, more than the limit of ${this.opts.maxControlBytes}`);
    }
    if (size === 0) {
      this.control = parseControl(Buffer.alloc(0));
      return undefined;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    return (chunk) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length === size) this.control = parseControl(Buffer.concat(chunks));
    };
  }

  async end(): Promise<void> {
    const state: DebReader['state'] = this.state;
    if (state === 'magic') throw new RepoError('not-ar', 'not a Debian package: the file is not an ar archive');
    if (state === 'body' || (state === 'header' && this.bufferedLength > 0)) {
      throw new RepoError('bad-member', `the package is truncated${this.memberName ? ` inside ${this.memberName}` : ''}`);
    }
    if (!this.debianBinary) throw new RepoError('bad-member', 'not a Debian package: the ar archive is empty');
    if (!this.controlSeen) throw new RepoError('missing-control', 'the package has no control.tar member');
    if (!this.dataSeen) throw new RepoError('missing-data', 'the package has no data.tar member');
  }

  async abort(): Promise<void> {
    await this.sink?.abort();
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function parseControl(bytes: Buffer): Paragraph {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch (err) {
    throw new RepoError('bad-control', 'the control file is not valid UTF-8', { cause: err });
  }
  let paragraphs: Paragraph[];
  try {
    paragraphs = parseDeb822(text);
  } catch (err) {
    if (err instanceof DebianParseError) {
      throw new RepoError('bad-control', `the control file is not valid: ${err.message}`, { cause: err });
    }
    throw err;
  }
  const [paragraph, ...extra] = paragraphs;
  if (!paragraph || extra.length > 0) {
    throw new RepoError('bad-control', `the control file must hold exactly one paragraph, it holds ${paragraphs.length}`);
  }
  return paragraph;
}

function requireControlField(control: Paragraph, name: string): string {
  const value = getField(control, name);
  if (value === undefined || value.trim() === '') {
    throw new RepoError('missing-field', `the control file has no ${name} field`);
  }
  if (value.includes('\n')) throw new RepoError('bad-control', `the ${name} field must be a single line`);
  return value;
}

/** Validates the identity fields and works out the source name and version. */
export function describeControl(control: Paragraph, allowedArchitectures: string[]): Pick<DebInfo, 'package' | 'version' | 'architecture' | 'source' | 'sourceVersion'> {
  const unsafe = findUnsafeField(control.fields);
  if (unsafe) throw new RepoError('bad-control', `the ${unsafe.field} field holds the control character ${unsafe.character}; control fields must be plain text`);
  const pkg = requireControlField(control, 'Package');
  const version = requireControlField(control, 'Version');
  const architecture = requireControlField(control, 'Architecture');
  assertPackageName(pkg);
  assertVersion(version);
  if (!allowedArchitectures.includes(architecture)) {
    throw new RepoError(
      'wrong-architecture',
      `${pkg} ${version} is built for ${JSON.stringify(architecture)}; this repository accepts ${allowedArchitectures.join(', ')}`,
    );
  }
  let source = pkg;
  let sourceVersion = version;
  const sourceField = getField(control, 'Source');
  if (sourceField !== undefined && sourceField.trim() !== '') {
    const m = /^(\S+)(?:\s+\((\S+)\))?$/.exec(sourceField.trim());
    if (!m) throw new RepoError('bad-control', `the Source field ${JSON.stringify(sourceField)} is not "name" or "name (version)"`);
    source = m[1]!;
    sourceVersion = m[2] ?? version;
    assertPackageName(source, 'source package');
    assertVersion(sourceVersion, 'source version');
  }
  return { package: pkg, version, architecture, source, sourceVersion };
}

// ---------------------------------------------------------------------------------------
// In-memory fast path. Most packages are small and laid out exactly as dpkg-deb writes them;
// reading one whole and decompressing in one call costs a fraction of the streaming path
// (which matters when an operator seeds thousands). It accepts only the plainest form —
// debian-binary, control.tar[.gz], data.tar[.gz], ustar headers with valid checksums, no
// long-name or pax records — and gives up (undefined) on anything else, so the streaming
// reader above stays the one judge of every unusual or broken package and its message.

/** Files up to this size are read whole (synchronously, see readSmallFile) and tried on the fast path. */
const FAST_MAX_FILE = 256 * 1024;
/** Decompressed size of one member beyond which the fast path hands over (bounded memory). */
const FAST_MAX_MEMBER_OUTPUT = 4 * 1024 * 1024;

const TAR_BLOCK = 512;

const ZERO_BLOCK = Buffer.alloc(TAR_BLOCK);

function isZeroBlock(buf: Buffer, offset: number): boolean {
  return buf.compare(ZERO_BLOCK, 0, TAR_BLOCK, offset, offset + TAR_BLOCK) === 0;
}

/** True when buf[from..] is all zeros (a tar archive's end-of-archive padding); compared natively. */
function zerosFrom(buf: Buffer, from: number): boolean {
  for (let at = from; at < buf.length; at += TAR_BLOCK) {
    const end = Math.min(at + TAR_BLOCK, buf.length);
    if (buf.compare(ZERO_BLOCK, 0, end - at, at, end) !== 0) return false;
  }
  return true;
}

/** A ustar header's checksum: the sum of its bytes, the checksum field counted as spaces. */
function headerChecksum(header: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += header[i]!;
  for (let i = 156; i < TAR_BLOCK; i++) sum += header[i]!;
  return sum;
}

/** An octal tar number field (digits, then NUL/space padding); undefined when it is anything else. */
function tarOctal(field: Buffer): number | undefined {
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  return /^[0-7]{1,12}$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

/**
 * Walks a plain ustar/GNU archive held in memory. Returns the content of its `control`
 * entry (or null when it has none), or undefined when the archive is not plain enough to
 * judge here.
 */
function walkPlainTar(tarBytes: Buffer, wantControl: boolean): Buffer | null | undefined {
  let control: Buffer | null = null;
  let offset = 0;
  while (offset + TAR_BLOCK <= tarBytes.length) {
    if (isZeroBlock(tarBytes, offset)) {
      // End of archive: what follows must be zeros too.
      return zerosFrom(tarBytes, offset) ? control : undefined;
    }
    const header = tarBytes.subarray(offset, offset + TAR_BLOCK);
    const magic = header.toString('latin1', 257, 265);
    if (magic !== 'ustar\x0000' && magic !== 'ustar  \x00') return undefined;
    const checksum = tarOctal(header.subarray(148, 156));
    if (checksum !== headerChecksum(header)) return undefined;
    const size = tarOctal(header.subarray(124, 136));
    if (size === undefined) return undefined;
    const type = String.fromCharCode(header[156]!);
    const regular = type === '0' || type === '\0' || type === '7';
    if (!regular && !'12345 6'.includes(type)) return undefined;
    if (!regular && size !== 0) return undefined;
    const dataEnd = offset + TAR_BLOCK + size;
    if (dataEnd > tarBytes.length) return undefined;
    if (wantControl) {
      const nameEnd = header.indexOf(0);
      let name = header.toString('utf8', 0, nameEnd === -1 || nameEnd > 100 ? 100 : nameEnd);
      if (magic === 'ustar\x0000' && header[345] !== 0) return undefined; // a POSIX prefix: not plain
      name = name.replace(/^\.\//, '');
      if (name === 'control') {
        if (!regular || control !== null) return undefined;
        control = tarBytes.subarray(offset + TAR_BLOCK, dataEnd);
      }
    }
    offset += TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
  }
  return undefined; // no end-of-archive marker: let the streaming reader say what is wrong
}

/** Decompresses a gzip member in one call within the budget; undefined when too big for this path. */
function inflateMember(member: string, data: Buffer, compressed: boolean, budget: Budget): Buffer | undefined {
  let out: Buffer;
  if (!compressed) {
    out = data;
  } else {
    try {
      out = gunzipSync(data, { maxOutputLength: FAST_MAX_MEMBER_OUTPUT });
    } catch {
      // Corrupt, or larger than this path takes: the streaming reader decides which.
      return undefined;
    }
  }
  budget.take(out.length, member);
  return out;
}

function inspectInMemory(bytes: Buffer, opts: InspectDebOptions): Omit<DebInfo, 'size' | 'sha256' | 'md5'> | undefined {
  if (!startsWithArMagic(bytes)) return undefined;
  const budget = new Budget(opts.maxUncompressedBytes);
  let members: ArMember[];
  try {
    members = readArMembers(bytes);
  } catch {
    return undefined;
  }
  if (members.length !== 3) return undefined;
  const [binary, control, data] = members as [ArMember, ArMember, ArMember];
  if (binary.name !== 'debian-binary' || !/^2\.[0-9]+\n$/.test(binary.data.toString('latin1'))) return undefined;
  if (control.name !== 'control.tar.gz' && control.name !== 'control.tar') return undefined;
  if (data.name !== 'data.tar.gz' && data.name !== 'data.tar') return undefined;

  const controlTar = inflateMember(control.name, control.data, control.name.endsWith('.gz'), budget);
  if (!controlTar) return undefined;
  const controlFile = walkPlainTar(controlTar, true);
  if (!controlFile || controlFile.length > opts.maxControlBytes) return undefined;
  const paragraph = parseControl(controlFile);
  const dataTar = inflateMember(data.name, data.data, data.name.endsWith('.gz'), budget);
  if (!dataTar || walkPlainTar(dataTar, false) === undefined) return undefined;
  return { control: paragraph, ...describeControl(paragraph, opts.allowedArchitectures), uncompressedBytes: budget.used };
}

/**
 * Reads a file whole if it is at most `max` bytes; undefined (and nothing read) when larger.
 * Synchronously, on purpose: for a file this small the four system calls take a few
 * microseconds each, and a round trip through the thread pool costs ten times that, which
 * is most of the time of inspecting thousands of packages. Callers doing many yield between
 * files (see filing/add-packages.ts).
 */
function readSmallFile(path: string, max: number): { bytes: Buffer; stat: FileIdentity } | undefined {
  const fd = openSync(path, 'r');
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > max) return undefined;
    const bytes = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < info.size) {
      const bytesRead = readSync(fd, bytes, filled, info.size - filled, filled);
      if (bytesRead === 0) return undefined; // shrank under us: let the streaming path read it
      filled += bytesRead;
    }
    return { bytes, stat: { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs } };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the .deb at `path` once and returns its identity and checksums: small, plain
 * packages in memory, everything else streaming. Throws RepoError for anything wrong with
 * the package itself.
 */
export async function inspectDeb(path: string, opts: InspectDebOptions): Promise<DebInfo> {
  const small = readSmallFile(path, FAST_MAX_FILE);
  if (small) {
    const fast = inspectInMemory(small.bytes, opts);
    if (fast) {
      return {
        ...fast,
        size: small.bytes.length,
        sha256: createHash('sha256').update(small.bytes).digest('hex'),
        md5: createHash('md5').update(small.bytes).digest('hex'),
        file: small.stat,
      };
    }
  }
  return inspectDebStreaming(path, opts);
}

/** The streaming reader: any size, any compression dpkg knows, every check with its message. */
export async function inspectDebStreaming(path: string, opts: InspectDebOptions): Promise<DebInfo> {
  const budget = new Budget(opts.maxUncompressedBytes);
  const reader = new DebReader(opts, budget);
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      sha256.update(chunk);
      md5.update(chunk);
      size += chunk.length;
      await reader.push(chunk);
    }
    await reader.end();
  } catch (err) {
    file.destroy();
    await reader.abort();
    throw err;
  }
  const control = reader.control!;
  return {
    control,
    ...describeControl(control, opts.allowedArchitectures),
    size,
    sha256: sha256.digest('hex'),
    md5: md5.digest('hex'),
    uncompressedBytes: budget.used,
  };
}
