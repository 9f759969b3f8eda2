// Where the streaming reader (deb-reader.ts) writes an ar member's bytes: one sink a member.
// The tar members have theirs in tar-member-sink.ts.
import { RepoError } from '../repo-error.ts';

/** What a member's bytes are written into; finish() resolves once the member is fully checked. */
export interface MemberSink {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<void>;
  /** Tears everything down after a failure elsewhere; never throws. */
  abort(): Promise<void>;
}

/** Collects a tiny member (debian-binary) with a hard cap. */
export class SmallMemberSink implements MemberSink {
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
export class IgnoredMemberSink implements MemberSink {
  async write(): Promise<void> {}
  async finish(): Promise<void> {}
  async abort(): Promise<void> {}
}
