// The one way tests wait: poll a condition, and give up only when nothing moves. A loaded
// machine needs longer for the same work, a stuck one should fail fast, so a wait is bounded by
// how long it may go without progress, never by a total budget.
import { isDeepStrictEqual } from 'node:util';

/** A test's own timeout. The waits inside it decide on progress; this only ends a test that hangs
 * where no wait watches (a promise that never settles), so it is far beyond any slow machine. */
export const HANG_BACKSTOP_MS = 30 * 60_000;

export interface WaitOptions {
  /** Give up after this long without progress (default 20 s). */
  stallMs?: number;
  /** What progress looks like (a count, a state, a list): any change restarts the stall clock.
   * Without it the condition itself is the only sign of life, and `stallMs` is a deadline. */
  progress?: () => unknown | Promise<unknown>;
  /** Pause between polls (default 50 ms). */
  intervalMs?: number;
  /** Adds what the test knows about the stall to the failure message. */
  explain?: () => string | Promise<string>;
}

/** Polls `probe` until it returns something other than undefined (or false), and returns it. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const stallMs = options.stallMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 50;
  const began = Date.now();
  let mark = options.progress ? await options.progress() : undefined;
  let movedAt = began;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (options.progress) {
      const now = await options.progress();
      if (!isDeepStrictEqual(now, mark)) {
        mark = now;
        movedAt = Date.now();
      }
    }
    if (Date.now() - movedAt > stallMs) {
      const detail = options.explain ? `: ${await options.explain()}` : '';
      const moved = options.progress ? `; no progress for ${stallMs} ms (last: ${JSON.stringify(mark)})` : ` for ${stallMs} ms`;
      throw new Error(`gave up waiting for ${what} after ${Date.now() - began} ms${moved}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
