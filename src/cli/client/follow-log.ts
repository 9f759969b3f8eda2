// Follows an attempt's log as Server-Sent Events, writing each chunk as it comes; a dropped
// connection is resumed with Last-Event-ID, so nothing is printed twice.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client.ts';
import { readServerSentEvents } from './server-sent-events.ts';

/** Resolves with the end event's data ({state, reason}) once the attempt is over. */
export async function followLog(
  client: ApiClient,
  jobId: number,
  attempt: number,
  write: (text: string) => void,
  signal: AbortSignal,
): Promise<{ state: string; reason: string | null } | undefined> {
  let lastId: string | undefined;
  for (let failures = 0; !signal.aborted;) {
    try {
      const res = await client.fetch(`/v1/jobs/${jobId}/log?attempt=${attempt}`, {
        headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal,
      });
      for await (const event of readServerSentEvents(res.body!)) {
        if (event.event === 'end') return JSON.parse(event.data) as { state: string; reason: string | null };
        if (event.event === 'log') {
          lastId = event.id;
          write(event.data);
        }
      }
      // The stream of an attempt that was over when asked ends without `end`.
      return undefined;
    } catch (error) {
      if (signal.aborted) return undefined;
      failures += 1;
      if (failures > 5 || (error as { status?: number }).status !== undefined) throw error;
      await sleep(1000 * failures, undefined, { signal }).catch(() => undefined);
    }
  }
  return undefined;
}
