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
  private timer: NodeJS.Timeout;
  private lastBytes: number;
  private failure: DomainError | undefined;
  /** Rejects the step `guard` is waiting for, if any. */
  private waiting: ((error: DomainError) => void) | undefined;
  /** The stream of the part being staged: destroyed on a trip, so its staging file goes. */
  current: { destroy(error: Error): void } | undefined;

  constructor(socket: Socket, rate: UploadRate) {
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
      this.failure = error;
      this.waiting?.(error);
    }, rate.windowMs);
    this.timer.unref();
  }

  /**
   * `step`'s outcome, or the trip's error if the client falls below the rate first. Not a race
   * with one promise that lives as long as the upload: each such race would leave a reaction on
   * it holding its result (a part, with its streams) until the upload ends.
   */
  guard<T>(step: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiting = reject;
      step.then(
        (value) => {
          this.waiting = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.waiting = undefined;
          reject(error);
        },
      );
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
