// What every background loop of the service does alike: one round at a time, the next `everyMs`
// after the last one started (at once when woken, or when the round says work is left), a
// failed round logged rather than ending the loop, and nothing after stop(). Its timer never
// keeps the process alive: the service's server or the caller's own work does that.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export interface BackgroundLoopOptions {
  /** Logged with a failed round's error. */
  failureMessage: string;
  logger?: Pick<Logger, 'error'> | undefined;
  /** A round starts this long after the one before started (as setInterval), at once if that one took longer. */
  everyMs: number;
  /** After failed rounds in a row the pause after the last is `everyMs` doubled with each, up to this. */
  maxBackoffMs?: number;
  /**
   * One round; `true` asks for the next at once (work may be left). `stopping` aborts on stop();
   * an error thrown once it has aborted is not a failure.
   */
  round: (stopping: AbortSignal) => Promise<boolean | void>;
}

export class BackgroundLoop {
  private readonly stopping = new AbortController();
  private nap: AbortController | undefined;
  private woken = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: BackgroundLoopOptions) {}

  /**
   * Runs the first round now, or (`afterPause`) after the first pause. Resolves once the first
   * round has ended (at once with `afterPause`), for callers that need it done before going on.
   */
  start(options: { afterPause?: boolean } = {}): Promise<void> {
    if (this.stopping.signal.aborted || this.running) return Promise.resolve();
    let roundEnded = () => {};
    const firstRound = new Promise<void>((resolve) => (roundEnded = resolve));
    if (options.afterPause) roundEnded();
    this.running = this.loop(options.afterPause ?? false, roundEnded);
    return firstRound;
  }

  /** Another round as soon as the running one (if any) has ended. */
  wake(): void {
    this.woken = true;
    this.nap?.abort();
  }

  /** No round after this; resolves once the running one has ended. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async loop(afterPause: boolean, roundEnded: () => void): Promise<void> {
    const { signal } = this.stopping;
    let failures = 0;
    if (afterPause) await this.pause(this.options.everyMs);
    while (!signal.aborted) {
      this.woken = false;
      const startedAt = Date.now();
      let again = false;
      try {
        again = (await this.options.round(signal)) === true;
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        this.options.logger?.error({ err: error }, this.options.failureMessage);
      } finally {
        roundEnded();
      }
      if (again || this.woken) continue;
      const { everyMs, maxBackoffMs } = this.options;
      const backoff = failures > 0 && maxBackoffMs !== undefined;
      await this.pause(backoff ? Math.min(everyMs * 2 ** failures, maxBackoffMs) : startedAt + everyMs - Date.now());
    }
    roundEnded(); // stopped before the first round
  }

  private async pause(ms: number): Promise<void> {
    if (this.woken || ms <= 0) return;
    this.nap = new AbortController();
    await sleep(ms, undefined, { signal: AbortSignal.any([this.nap.signal, this.stopping.signal]), ref: false }).catch(() => undefined);
    this.nap = undefined;
  }
}
