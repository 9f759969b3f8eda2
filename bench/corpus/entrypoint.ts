// Iterating on the toolchain without the service: the corpus built with the builder image's
// entrypoint alone (`docker run … stubbuild-build all`), in build-dependency order, each source
// against a signed file: repository of the image's essential packages plus everything built
// before it. Records each source's outcome and first error line in OUT/results.json.
//   node --import tsx bench/corpus/entrypoint.ts IMAGE-TAG SOURCES-DIR OUT [source…]
// SOURCES-DIR/<source>/ holds each source package (.dsc and its files, e.g. apt-get source
// --download-only); OUT gets debs/, runs/<source>/ (outcome.json, logs) and results.json.
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadStubdomProfile, makeStubdomRepo, run, runStubbuildBuild } from '../../test/builder-image.support.ts';
import { corpusOrder } from './sources.ts';

const [tag, sourcesDir, out, ...only] = process.argv.slice(2);
if (!tag || !sourcesDir || !out) {
  console.error('usage: entrypoint.ts IMAGE-TAG SOURCES-DIR OUT [source…]');
  process.exit(2);
}
const profile = { ...(await loadStubdomProfile()), image: tag };
const id = (await run('docker', ['image', 'inspect', '-f', '{{.Id}}', tag])).stdout.trim();
const image = { tag, id, profile };
const debDir = path.join(out, 'debs');
await mkdir(debDir, { recursive: true });
const resultsFile = path.join(out, 'results.json');
const results: Record<string, unknown> = JSON.parse(await readFile(resultsFile, 'utf8').catch(() => '{}'));

/** The first line of a build log that says what went wrong (compiler, linker, debhelper, apt). */
export function firstError(log: string): string {
  const wanted =
    /(error:|Error [0-9]+|undefined reference|No such file or directory|cannot find|CMake Error|dh_[a-z_]+: error|^E: |cannot stat|not supported|fatal)/;
  const noise = /\(ignored\)|warning:|-Werror|Werror=|^checking |^\s*#/;
  const lines = log.split('\n');
  return (lines.find((l) => wanted.test(l) && !noise.test(l)) ?? lines.filter(Boolean).slice(-1)[0] ?? '').trim().slice(0, 300);
}

for (const source of corpusOrder.filter((s) => only.length === 0 || only.includes(s))) {
  const debs = (await readdir(debDir)).filter((f) => f.endsWith('.deb')).map((f) => path.join(debDir, f));
  const repo = await makeStubdomRepo(tag, profile, debs);
  const started = Date.now();
  // a quiet configure step on a busy machine may print nothing for long: allow silence as long as
  // the profile allows a whole build, not the test helper's default
  const stallMs = (profile.timeouts.dependenciesSeconds + profile.timeouts.buildSeconds) * 1000;
  const result = await runStubbuildBuild({ image, source: { dir: path.join(sourcesDir, source) }, repo, twoStep: false, stallMs });
  const seconds = Math.round((Date.now() - started) / 1000);
  const o = result.outcome;
  let detail = '';
  if (o.outcome === 'built') {
    for (const deb of o.artifacts!.debs) await cp(path.join(result.outDir, deb), path.join(debDir, deb));
    detail = o.artifacts!.debs.join(' ');
  } else if (o.outcome === 'dep-wait') {
    detail = `waits for ${(o.relations ?? []).join(', ')}`;
  } else {
    const log = o.log ? await readFile(path.join(result.outDir, o.log), 'utf8').catch(() => '') : '';
    detail = `${o.reason}: ${o.message} | ${firstError(log)}`;
  }
  await cp(result.outDir, path.join(out, 'runs', source), { recursive: true, force: true });
  results[source] = { outcome: o.outcome, version: o.source?.version, seconds, detail };
  console.log(`${source.padEnd(11)} ${o.outcome.padEnd(8)} ${String(seconds).padStart(4)}s ${detail}`);
  await writeFile(resultsFile, JSON.stringify(results, null, 2));
}
