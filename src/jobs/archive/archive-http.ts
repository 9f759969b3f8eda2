// HTTP GET for the archive fetcher: global fetch, an idle timeout per attempt, retries with
// backoff for what may pass (network errors, 5xx, 429, timeouts), and a plain sentence for
// the job's reason when it does not.
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../../domain-error.ts';

export interface HttpSettings {
  fetch: typeof globalThis.fetch;
  /** An attempt that receives nothing (headers or body bytes) for this long is aborted. */
  idleTimeoutMs: number;
  /** Pause before each retry; as many retries as entries. */
  retryDelaysMs: readonly number[];
  /** Aborted when the fetcher stops or loses the job: not a failure of the job. */
  signal?: AbortSignal | undefined;
  onRetry?: ((info: { url: string; attempt: number; delayMs: number; error: string }) => void) | undefined;
}

/** Why a job's source cannot be fetched, in words for its `reason`; retrying will not help. */
export class FetchFailure extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the server answered with an error. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body; reading it keeps the idle timeout at bay. Empty for a 304. */
  body: Readable;
}

class IdleTimeout extends Error {}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

// undici reports network errors as TypeError('fetch failed') with the real cause inside.
function networkErrorText(error: unknown): string {
  if (error instanceof IdleTimeout) return error.message;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause && typeof cause === 'object') return [cause.code, cause.message].filter(Boolean).join(' ') || error.message;
  return error.message;
}

async function* watchBody(body: ReadableStream<Uint8Array>, touch: () => void): AsyncGenerator<Buffer> {
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    touch();
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/**
 * GETs `url` and hands the response to `consume`, retrying the whole exchange on transient
 * errors, including ones `consume` meets while it reads the body. `consume` throws
 * FetchFailure (or DomainError) for what is final, such as a hash mismatch. A 304 is given
 * to `consume` when `conditional` headers were sent; other non-2xx answers never are.
 */
export async function httpGet<T>(
  url: string,
  settings: HttpSettings,
  consume: (response: HttpResponse) => Promise<T>,
  conditional: Record<string, string> = {},
): Promise<T> {
  const stop = settings.signal;
  for (let attempt = 1; ; attempt += 1) {
    stop?.throwIfAborted();
    const attemptAbort = new AbortController();
    const ms = settings.idleTimeoutMs;
    const idle = new IdleTimeout(`no data for ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`);
    const timer = setTimeout(() => attemptAbort.abort(idle), settings.idleTimeoutMs);
    const touch = () => timer.refresh();
    const signal = stop ? AbortSignal.any([attemptAbort.signal, stop]) : attemptAbort.signal;
    try {
      const response = await settings.fetch(url, { headers: conditional, signal, redirect: 'follow' });
      touch();
      const isNotModified = response.status === 304 && Object.keys(conditional).length > 0;
      if (!response.ok && !isNotModified) {
        await response.body?.cancel().catch(() => undefined);
        const what = `GET ${url}: HTTP ${response.status}`;
        if (RETRYABLE_STATUS.has(response.status)) throw new Error(what);
        throw new FetchFailure(response.status === 404 ? `${what} (not found)` : what, response.status);
      }
      const body = response.body ? Readable.from(watchBody(response.body, touch), { objectMode: false }) : Readable.from([]);
      return await consume({ status: response.status, headers: response.headers, body });
    } catch (error) {
      if (stop?.aborted) throw stop.reason ?? error;
      if (error instanceof FetchFailure || error instanceof DomainError) throw error;
      const why = attemptAbort.signal.aborted ? networkErrorText(idle) : networkErrorText(error);
      const delayMs = settings.retryDelaysMs[attempt - 1];
      if (delayMs === undefined) {
        throw new FetchFailure(`network error after ${attempt} attempt${attempt === 1 ? '' : 's'}: GET ${url}: ${why}`);
      }
      settings.onRetry?.({ url, attempt, delayMs, error: why });
      await sleep(delayMs, undefined, stop ? { signal: stop } : undefined).catch(() => {
        throw stop?.reason ?? new Error('stopped');
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
