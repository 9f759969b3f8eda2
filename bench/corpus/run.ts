// npm run test:corpus: Debian bookworm's C libraries built for
// stubdom-amd64 (or ARCH) through the service, as a user would: the service started (`stubbuild serve`,
// PostgreSQL in a throwaway database when DATABASE_URL is set, the embedded PGlite otherwise),
// the corpus (sources.ts) submitted as ONE batch of archive references, progress printed until nothing
// moves any more, then a table source/version/state/reason. Then the link check: a program
// calling zlib, gmp, libpci, mbedtls and lwIP links in a fresh builder container against the
// -dev packages apt installs from the service's repository (link-check.ts). Exits 1 when fewer
// than MIN_PUBLISHED (20) are published or that program does not link. It needs the builder
// image built from this checkout (npx stubbuild image build --base debootstrap [--arch ARCH];
// the ports are baked into it, so a stale image is refused before anything is built) and takes
// most of an hour on two cores; it is not part of npm test or .ci/run.
//   ARCH=…         the architecture to build for (default stubdom-amd64; the service serves only it);
//                  each architecture has its own section of bench/RESULTS.md
//   ARCHES_DIR=…   another profile folder (e.g. one naming a work-in-progress image tag)
//   CORPUS=a,b,…   other sources;  KEEP=1 keeps the data folder (repository, logs)
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServerDatabase, dropServerDatabase } from '../../test/helpers/server-database.ts';
import { freePort } from '../../test/helpers/free-port.ts';
import Docker from 'dockerode';
import { type ArchProfile, loadArchProfiles } from '../../src/builders/arch-profile.ts';
import { computeRecipeHash, findBuilderImage } from '../../src/builders/image-build.ts';
import { linkCheck } from './link-check.ts';
import { corpusFor } from './sources.ts';
import { stubbuildCommand } from '../stubbuild-command.ts';
import { loadAverage, writeResultsSection } from '../results-section.ts';

const MIN_PUBLISHED = Number(process.env.MIN_PUBLISHED ?? 20);
const POLL_MS = 15_000;
/** Nothing fetching, queued, building or publishing for this long: the batch has settled. */
const SETTLED_MS = 60_000;
const DEADLINE_MS = 4 * 3600_000;
/** Ctrl-C or a kill ends the wait, so the service is stopped and its database and data removed. */
const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => interrupted.abort(new Error(`corpus: ${signal}: stopping the service and cleaning up`)));
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const arch = process.env.ARCH ?? 'stubdom-amd64';
/** Where each architecture stood before its first corpus run. */
const before: Record<string, string> = {
  'stubdom-amd64': '1 of 25 published (the first try, session 3: zlib, the one source with a port)',
  'stubdom-rumprun-amd64':
    '3 of 23 published (the first run, 2026-12-06, at 0a4a186: zlib, mbedtls, brotli; 11 failed on `-shared`, which the rumprun wrappers refused)',
};

interface Member {
  jobId: number;
  source: string;
  version: string | null;
  state: string;
  reason: string | null;
  unmetRelations: string[];
}

async function main(): Promise<number> {
  const profile = (await loadArchProfiles(process.env.ARCHES_DIR ?? path.join(repoRoot, 'arches'))).get(arch);
  if (!profile) throw new Error(`no architecture profile ${arch}`);
  const sources = process.env.CORPUS ? process.env.CORPUS.split(',') : corpusFor(profile.flavor);
  const stale = await staleImage(profile);
  if (stale) {
    console.error(
      `corpus: ${stale}; build it first: npx stubbuild image build --base debootstrap --arch ${arch}${process.env.ARCHES_DIR ? ` --arches-dir ${process.env.ARCHES_DIR}` : ''}`,
    );
    return 2;
  }
  const started = Date.now();
  const loadAtStart = await loadAverage();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-corpus-'));
  const serverUrl = process.env.DATABASE_URL;
  const dbName = `stubbuild_corpus_${process.pid}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ARCH: arch,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  if (serverUrl) env.DATABASE_URL = await createServerDatabase(serverUrl, dbName);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  console.log(
    `corpus: ${sources.length} sources for ${arch}; service on ${url}, data ${dataDir}, ${serverUrl ? `PostgreSQL database ${dbName}` : 'PGlite'}`,
  );
  const service = spawn(...stubbuildCommand(['serve', '--port', String(port), '--host', '127.0.0.1']), {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => service.on('exit', (code) => resolve(code)));
  try {
    const token = await waitForService(url, dataDir, exited);
    const auth = { authorization: `Bearer ${token}` };
    const submitted = await fetch(`${url}/v1/batches`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ sources: sources.map((source) => ({ source })), arch }),
    });
    const batch = (await submitted.json()) as { id: number; members: Member[]; detail?: string };
    if (submitted.status !== 202) throw new Error(`POST /v1/batches answered ${submitted.status}: ${JSON.stringify(batch)}`);
    console.log(`corpus: batch ${batch.id} with ${batch.members.length} members`);

    let members = batch.members;
    let lastMove = Date.now();
    let lastLine = '';
    while (Date.now() - started < DEADLINE_MS) {
      await sleep(POLL_MS, undefined, { signal: interrupted.signal }).catch(() => interrupted.signal.throwIfAborted());
      const res = await fetch(`${url}/v1/batches/${batch.id}`, { headers: auth });
      members = ((await res.json()) as { members: Member[] }).members;
      const counts = countStates(members);
      const line = Object.entries(counts)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ');
      if (line !== lastLine) {
        console.log(`corpus: ${minutes(Date.now() - started)} ${line}`);
        lastLine = line;
        lastMove = Date.now();
      }
      const moving = members.some((m) => ['fetching', 'queued', 'building', 'publishing'].includes(m.state));
      if (!moving && Date.now() - lastMove >= SETTLED_MS) break;
    }
    printTable(members);
    const published = members.filter((m) => m.state === 'published').length;
    const wall = minutes(Date.now() - started);
    console.log(`corpus: ${published} of ${members.length} published in ${wall} (at least ${MIN_PUBLISHED} wanted)`);
    const linked = await checkLinking(url, dataDir, members, profile);
    if (!process.env.CORPUS) await recordResults(members, { wall, published, linked, loadAtStart, serverUrl: Boolean(serverUrl) });
    return published >= MIN_PUBLISHED && linked ? 0 : 1;
  } finally {
    service.kill('SIGTERM');
    await exited;
    if (serverUrl) await dropServerDatabase(serverUrl, dbName);
    if (process.env.KEEP) console.log(`corpus: kept ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  }
}

/** Why the builder image cannot stand for this checkout (its ports and recipe), if it cannot. */
async function staleImage(profile: ArchProfile): Promise<string | undefined> {
  const found = await findBuilderImage(new Docker(), profile);
  if (!found) return `the builder image ${profile.image} is not present`;
  const wanted = await computeRecipeHash({ profile, base: 'debootstrap', toolchainSource: process.env.RUMPRUN_SRC || undefined });
  if (found.recipeHash === wanted) return undefined;
  return `the builder image ${profile.image} was built from another recipe (${found.recipeHash ?? 'none'}, this checkout's is ${wanted}: ports/ or the image recipe changed)`;
}

/** The link check, when Xen's stub-domain set was published. */
async function checkLinking(url: string, dataDir: string, members: Member[], profile: ArchProfile): Promise<boolean> {
  const needed = ['zlib', 'pciutils', 'gmp', 'mbedtls', 'lwip'];
  if (!needed.every((source) => members.some((m) => m.source === source))) {
    console.log(`link check: not run, CORPUS does not name all of ${needed.join(' ')}`);
    return true;
  }
  const missing = needed.filter((source) => !members.some((m) => m.source === source && m.state === 'published'));
  if (missing.length > 0) {
    console.log(`link check: not run, not published: ${missing.join(' ')}`);
    return false;
  }
  const keyText = await (await fetch(`${url}/apt/key.asc`)).text();
  const result = await linkCheck({
    image: profile.image,
    arch: profile.arch,
    triplet: profile.triplet,
    repoDir: process.env.REPO_DIR ?? path.join(dataDir, 'repo'),
    keyText,
    suite: process.env.REPO_SUITE ?? 'stubdom',
  });
  console.log(
    `link check: ${result.ok ? 'a program calling pci_alloc, mpz_mul, mbedtls_sha256_ret, lwip_init, compress links' : 'FAILED'}`,
  );
  if (!result.ok) console.log(result.output.split('\n').slice(-30).join('\n'));
  return result.ok;
}

async function waitForService(url: string, dataDir: string, exited: Promise<number | null>): Promise<string> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 240; i++) {
    if (gone) throw new Error('the service exited during its start');
    interrupted.signal.throwIfAborted();
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) {
      const token = await readFile(path.join(dataDir, 'admin.token'), 'utf8').catch(() => '');
      if (token.trim()) return token.trim();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the service did not become ready in 2 minutes');
}

function countStates(members: Member[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of members) counts[m.state] = (counts[m.state] ?? 0) + 1;
  return counts;
}

function printTable(members: Member[]): void {
  const rows = [...members].sort((a, b) => a.source.localeCompare(b.source));
  const width = Math.max(...rows.map((m) => m.source.length), 6);
  const vwidth = Math.max(...rows.map((m) => (m.version ?? '').length), 7);
  console.log(`${'source'.padEnd(width)}  ${'version'.padEnd(vwidth)}  ${'state'.padEnd(10)}  reason`);
  for (const m of rows) {
    const reason = m.state === 'dep-wait' ? `waits for ${m.unmetRelations.join(', ')}` : (m.reason ?? '');
    console.log(
      `${m.source.padEnd(width)}  ${(m.version ?? '').padEnd(vwidth)}  ${m.state.padEnd(10)}  ${m.state === 'published' ? '' : reason}`,
    );
  }
}

/** The run's section of bench/RESULTS.md: before and after, the table, the machine's load. */
async function recordResults(
  members: Member[],
  run: { wall: string; published: number; linked: boolean; loadAtStart: string; serverUrl: boolean },
): Promise<void> {
  const rows = [...members].sort((a, b) => a.source.localeCompare(b.source));
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  await writeResultsSection(
    path.join(repoRoot, 'bench', 'RESULTS.md'),
    arch === 'stubdom-amd64' ? 'corpus' : `corpus-${arch}`,
    [
      `# Cross-buildability corpus for ${arch} (\`${arch === 'stubdom-amd64' ? '' : `ARCH=${arch} `}npm run test:corpus\`)`,
      '',
      `Run on ${new Date().toISOString()} through the service (\`stubbuild serve\` on ${run.serverUrl ? 'PostgreSQL' : 'PGlite'}, one Docker engine), the ${members.length} bookworm sources submitted as one batch of archive references. Load average at the start ${run.loadAtStart}, at the end ${await loadAverage()}.`,
      '',
      `- **Before**: ${before[arch] ?? 'no earlier run'}.`,
      `- **After**: **${run.published} of ${members.length} published** in ${run.wall} of wall time (at least ${MIN_PUBLISHED} wanted); the program linking zlib, libpci, gmp, mbedtls and lwIP from the repository's -dev packages ${run.linked ? 'links' : 'does NOT link'}.`,
      '',
      '| source | version | state | reason (`<cause class>: <first error line>` for a failure) |',
      '|---|---|---|---|',
      ...rows.map(
        (m) =>
          `| ${m.source} | ${m.version ?? ''} | ${m.state} | ${m.state === 'published' ? '' : cell(m.state === 'dep-wait' ? `waits for ${m.unmetRelations.join(', ')}` : (m.reason ?? ''))} |`,
      ),
    ].join('\n'),
  );
}

function minutes(ms: number): string {
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

process.exitCode = await main();
