// Bounds on uploads as a whole, per service process: how many one token streams at once, and
// how many bytes all of them may hold in staging together. A ticket is held from the first
// byte of a request's body to its answer.
import { DomainError } from '../domain-error.ts';

export interface UploadGateLimits {
  /** Uploads one token may stream at once (MAX_UPLOADS_PER_TOKEN). */
  maxPerToken: number;
  /** Bytes all uploads may hold in staging together (MAX_STAGING_BYTES). */
  maxStagingBytes: number;
}

export interface UploadTicket {
  /** Counts bytes staged; throws `too-large` when staging as a whole would pass its limit. */
  reserve(bytes: number): void;
  /** Frees the slot and the bytes; calling it again does nothing. */
  release(): void;
}

export class UploadGate {
  private readonly perToken = new Map<string, number>();
  private stagedBytes = 0;

  constructor(readonly limits: UploadGateLimits) {}

  /** A ticket for one upload of `tokenId`; `too-many-requests` past the token's share. */
  enter(tokenId: string): UploadTicket {
    const active = this.perToken.get(tokenId) ?? 0;
    if (active >= this.limits.maxPerToken) {
      throw new DomainError(
        'too-many-requests',
        `this token already has ${active} uploads in progress, the most it may have at once (MAX_UPLOADS_PER_TOKEN); wait for one to finish`,
      );
    }
    this.perToken.set(tokenId, active + 1);
    let held = 0;
    let released = false;
    return {
      reserve: (bytes) => {
        if (this.stagedBytes + bytes > this.limits.maxStagingBytes) {
          throw new DomainError(
            'too-large',
            `the service is staging as many upload bytes as it may hold (MAX_STAGING_BYTES ${this.limits.maxStagingBytes}); try again later`,
          );
        }
        this.stagedBytes += bytes;
        held += bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.stagedBytes -= held;
        const left = (this.perToken.get(tokenId) ?? 1) - 1;
        if (left > 0) this.perToken.set(tokenId, left);
        else this.perToken.delete(tokenId);
      },
    };
  }

  /** Bytes staged right now (for tests and metrics). */
  get staged(): number {
    return this.stagedBytes;
  }
}
