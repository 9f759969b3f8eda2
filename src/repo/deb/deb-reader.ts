// The streaming reader of a .deb: the ar framing (deb(5)) read chunk by chunk, each member's
// bytes routed to its sink in the order deb(5) requires, the control file kept.
import type * as tar from 'tar-stream';
import { AR_HEADER_SIZE, AR_MAGIC, arPadding, type ArMemberHeader, parseArHeader } from '../../debian/ar.ts';
import type { Paragraph } from '../../debian/deb822.ts';
import { DebianParseError } from '../../debian/parse-error.ts';
import { RepoError } from '../repo-error.ts';
import type { Budget } from './budget.ts';
import { parseControl } from './control-fields.ts';
import type { InspectDebOptions } from './inspect-deb.ts';
import { IgnoredMemberSink, type MemberSink, SmallMemberSink } from './member-sinks.ts';
import { type Compression, TarMemberSink } from './tar-member-sink.ts';

const DEBIAN_BINARY_MAX = 64;

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
export class DebReader {
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
        if (name in DATA_MEMBER)
          throw new RepoError('missing-control', `${name} comes before any control.tar member: the package has no control archive`);
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
