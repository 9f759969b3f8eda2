// A client that trickles an upload holds a connection, a staging file and a token's upload
// slot: every window, the connection must have delivered at least the minimum rate, or the
// upload is abandoned (408) and the connection closed.
import type { Socket } from 'node:net';
import { DomainError } from '../domain-error.ts';

export interface UploadRate {
  /** UPLOAD_MIN_BYTES_PER_SECOND */
  minBytesPerSecond: number;
  /** UPLOAD_RATE_WINDOW, milliseconds */
  windowMs: number;
}

export class UploadRateWatchdog {
  /** Rejects when the client fell below the rate; never resolves. */
  readonly tripped: Promise<never>;
  private timer: NodeJS.Timeout;
  private trip!: (error: DomainError) => void;
  private lastBytes: number;
  /** The stream of the part being staged: destroyed on a trip, so its staging file goes. */
  current: { destroy(error: Error): void } | undefined;

  constructor(socket: Socket, rate: UploadRate) {
    this.tripped = new Promise<never>((_resolve, reject) => (this.trip = reject));
    this.tripped.catch(() => undefined); // observed by whoever races it
    this.lastBytes = socket.bytesRead;
    const minimum = Math.ceil((rate.minBytesPerSecond * rate.windowMs) / 1000);
    this.timer = setInterval(() => {
      const received = socket.bytesRead - this.lastBytes;
      this.lastBytes = socket.bytesRead;
      if (received >= minimum) return;
      const error = new DomainError(
        'too-slow',
        `the upload arrived at ${Math.round((received * 1000) / rate.windowMs)} bytes/s over the last ${rate.windowMs / 1000} s, below the ${rate.minBytesPerSecond} bytes/s this service requires (UPLOAD_MIN_BYTES_PER_SECOND)`,
      );
      this.stop();
      this.current?.destroy(error);
      this.trip(error);
    }, rate.windowMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
