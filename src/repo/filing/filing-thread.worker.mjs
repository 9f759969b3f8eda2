// One thread of FilingThreads (filing-threads.ts): runs prepareDeb on each .deb of a batch
// (or, for a bulk upload's packages, fileDebEarly: inspect, and write or link into the pool),
// stopping at the first refusal, and answers with the results in order.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// The service runs its TypeScript through tsx; a thread has to register the loader itself.
register();
const { prepareDeb } = await import('./prepare-deb.ts');
const { fileDebEarly } = await import('./file-deb-early.ts');

const serialize = (err) => ({ name: err?.name, code: err?.code, message: String(err?.message ?? err) });

parentPort.on('message', async ({ id, paths, debs, repoDir, options }) => {
  const results = [];
  const madeDirectories = new Set();
  for (const item of debs ?? paths) {
    try {
      results.push(
        debs ? { filed: await fileDebEarly(item, options, repoDir, madeDirectories) } : { prepared: await prepareDeb(item, options) },
      );
    } catch (err) {
      results.push({ error: serialize(err) });
      break;
    }
  }
  parentPort.postMessage({ id, results });
});
parentPort.postMessage({ ready: true });
