// One thread of FilingThreads (filing-threads.ts): runs prepareDeb on each .deb of a batch,
// stopping at the first refusal, and answers with the results in order.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// The service runs its TypeScript through tsx; a thread has to register the loader itself.
register();
const { prepareDeb } = await import('./prepare-deb.ts');

const serialize = (err) => ({ name: err?.name, code: err?.code, message: String(err?.message ?? err) });

parentPort.on('message', async ({ id, paths, options }) => {
  const results = [];
  for (const path of paths) {
    try {
      results.push({ prepared: await prepareDeb(path, options) });
    } catch (err) {
      results.push({ error: serialize(err) });
      break;
    }
  }
  parentPort.postMessage({ id, results });
});
parentPort.postMessage({ ready: true });
