// Leases, as the archive fetcher (fetching jobs) and the scheduler (build attempts) hold them:
// a row names its holder and a time until which the hold lasts; the holder renews it while it
// works; once the time has passed anyone may take the work over. Time is the database's
// (now()), never this process's clock, so processes on several hosts agree on expiry.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type RawBuilder, sql } from 'kysely';

/** A holder name unique to this process and call: `<role>:<host>:<pid>:<random>`. */
export function leaseOwner(role: string): string {
  return `${role}:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** `now() + ms`, for a lease's end. */
export function leaseUntil(ms: number): RawBuilder<Date> {
  return sql<Date>`now() + ${ms} * interval '1 millisecond'`;
}

/** The lease whose end is in `column` is still held. */
export function leaseHeld(column: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} > now()`;
}

/** The lease whose end is in `column` ran out, or was never taken: anyone may take the work. */
export function leaseRunOut(column: string): RawBuilder<boolean> {
  const until = sql.ref(column);
  return sql<boolean>`(${until} is null or ${until} < now())`;
}

export interface HeldLease {
  /** Aborted (with the error `lost` makes) once the lease is known to be gone. */
  readonly signal: AbortSignal;
  /** Stops renewing; renewals still in flight are ignored. */
  release(): void;
}

/**
 * Renews a lease every `everyMs` while the work runs. The signal aborts the first time
 * `renew` answers false (cancelled, taken over, or expired), and also when renewals kept
 * failing or hanging (database unreachable, `renew` refusing) for as long as the lease lasts:
 * by then it has run out and someone else may hold the work, so carrying on would run it twice.
 */
export function holdLease(options: {
  renew: () => Promise<boolean>;
  everyMs: number;
  leaseMs: number;
  lost: () => Error;
  onError?: (error: unknown) => void;
}): HeldLease {
  const controller = new AbortController();
  let released = false;
  let renewedAt = Date.now();
  let inFlight = false;
  const timer = setInterval(() => {
    if (released) return;
    // Checked first: a renewal that hangs must not keep the work going past the lease.
    if (Date.now() - renewedAt > options.leaseMs) {
      controller.abort(options.lost());
      return;
    }
    if (inFlight) return;
    inFlight = true;
    options
      .renew()
      .then(
        (held) => {
          if (released) return;
          if (held) renewedAt = Date.now();
          else controller.abort(options.lost());
        },
        (error: unknown) => options.onError?.(error),
      )
      .finally(() => (inFlight = false));
  }, options.everyMs);
  timer.unref();
  return {
    signal: controller.signal,
    release: () => {
      released = true;
      clearInterval(timer);
    },
  };
}
