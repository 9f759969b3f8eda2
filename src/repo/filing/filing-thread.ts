// One thread of FilingThreads (filing-threads.ts): runs prepareDeb on each .deb of a batch
// (or, for a bulk upload's packages, fileDebEarly: inspect, and write or link into the pool),
// stopping at the first refusal, and answers with the results in order. The thread runs this
// file bundled with what it imports (filing-thread-script.ts), not through tsx.
import { parentPort } from 'node:worker_threads';
import { fileDebEarly, type EarlyDeb } from './file-deb-early.ts';
import { prepareDeb, type PrepareDebOptions } from './prepare-deb.ts';

interface BatchMessage {
  id: number;
  paths?: string[];
  debs?: EarlyDeb[];
  repoDir: string;
  options: PrepareDebOptions;
}

const serialize = (err: unknown) => {
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  return { name: e?.name, code: e?.code, message: String(e?.message ?? err) };
};

const port = parentPort!;
port.on('message', async ({ id, paths, debs, repoDir, options }: BatchMessage) => {
  const results = [];
  const madeDirectories = new Set<string>();
  for (const item of debs ?? paths ?? []) {
    try {
      results.push(
        typeof item === 'string'
          ? { prepared: await prepareDeb(item, options) }
          : { filed: await fileDebEarly(item, options, repoDir, madeDirectories) },
      );
    } catch (err) {
      results.push({ error: serialize(err) });
      break;
    }
  }
  port.postMessage({ id, results });
});
port.postMessage({ ready: true });
