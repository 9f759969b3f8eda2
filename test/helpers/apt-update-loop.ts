// A separate process that runs `apt-get update` against a repository over and over until
// its stdin closes, then prints one JSON line: how many updates ran and how each failed.
//   node --import tsx test/helpers/apt-update-loop.ts URL SUITE KEYFILE
// It prints "ready" once the first update has passed, so the caller can start changing
// the repository knowing apt already holds an InRelease.
import { createAptClient } from './apt-client.ts';

const [url, suite, keyFile] = process.argv.slice(2);
if (!url || !suite || !keyFile) {
  process.stderr.write('usage: apt-update-loop.ts URL SUITE KEYFILE\n');
  process.exit(2);
}

export interface AptLoopReport {
  updates: number;
  hashSumMismatches: number;
  signatureErrors: number;
  otherFailures: number;
  /** Output of the first few failed updates. */
  failures: string[];
}

const client = await createAptClient({ url, suite, keyFile });
let stopping = false;
process.stdin.on('data', () => undefined);
process.stdin.on('end', () => {
  stopping = true;
});
process.stdin.on('close', () => {
  stopping = true;
});

const report: AptLoopReport = { updates: 0, hashSumMismatches: 0, signatureErrors: 0, otherFailures: 0, failures: [] };
try {
  let first = true;
  while (!stopping || first) {
    const res = await client.aptUpdate();
    const output = res.stdout + res.stderr;
    report.updates += 1;
    const failed = res.code !== 0 || /^(W|E):/m.test(output);
    if (failed) {
      if (/Hash Sum mismatch|unexpected size|Mirror sync in progress/i.test(output)) report.hashSumMismatches += 1;
      else if (/signature|BADSIG|NO_PUBKEY|not signed|OpenPGP/i.test(output)) report.signatureErrors += 1;
      else report.otherFailures += 1;
      if (report.failures.length < 5) report.failures.push(output);
    }
    if (first) {
      first = false;
      process.stdout.write(failed ? `failed ${JSON.stringify(output)}\n` : 'ready\n');
      if (failed) break;
    }
  }
} finally {
  await client.close();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
