// One thread of FilingThreads (filing-threads.ts). Two kinds of batch: "prepare" runs
// prepareDeb on each .deb, stopping at the first refusal; "link" runs linkIntoPool on each
// placement. Answers with the results in order.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// The service runs its TypeScript through tsx; a thread has to register the loader itself.
register();
const { prepareDeb } = await import('./prepare-deb.ts');
const { linkIntoPool } = await import('./pool-store.ts');

const serialize = (err) => ({ name: err?.name, code: err?.code, message: String(err?.message ?? err) });

async function prepare({ paths, options }) {
  const results = [];
  for (const path of paths) {
    try {
      results.push({ prepared: await prepareDeb(path, options) });
    } catch (err) {
      results.push({ error: serialize(err) });
      break;
    }
  }
  return results;
}

function link({ repoDir, placements }) {
  const made = new Set();
  return placements.map((p) => {
    try {
      return { linked: linkIntoPool(repoDir, p, made) };
    } catch (err) {
      return { error: serialize(err) };
    }
  });
}

parentPort.on('message', async (batch) => {
  const results = batch.op === 'prepare' ? await prepare(batch) : link(batch);
  parentPort.postMessage({ id: batch.id, results });
});
parentPort.postMessage({ ready: true });
