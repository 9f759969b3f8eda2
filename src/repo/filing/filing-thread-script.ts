// The filing threads run filing-thread.ts and what it imports as one script, bundled by esbuild
// (which tsx runs on too) once per process: when the service starts (FilingThreads.prepare), or
// else when the threads first start. Loaded through tsx instead, each thread registered the
// loader (with a hooks thread of its own) and transformed every module it imports: ~0.3 s of
// CPU per thread, paid again at every start, where the bundled script starts in ~0.05 s
// (bench/RESULTS.md, "Through the HTTP API").
import { build, stop } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./filing-thread.ts', import.meta.url));

let script: Promise<string> | undefined;

/** The threads' code, for `new Worker(code, { eval: true })`. */
export function filingThreadScript(): Promise<string> {
  script ??= bundle().catch((error: unknown) => {
    script = undefined;
    throw error;
  });
  return script;
}

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    // A thread started from a string runs CommonJS: `require` reaches Node's modules.
    format: 'cjs',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    logLevel: 'silent',
  });
  // esbuild's helper process is not needed again (a later call would start it again): ~20 MiB.
  await stop();
  return result.outputFiles[0]!.text;
}
