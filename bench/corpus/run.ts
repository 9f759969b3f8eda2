// npm run test:corpus: Debian bookworm's C libraries built for
// stubdom-amd64 (or ARCH) through the service, as a user would: the service started (`stubbuild serve`,
// PostgreSQL in a throwaway database when DATABASE_URL is set, the embedded PGlite otherwise),
// the corpus (sources.ts) submitted as ONE batch of archive references, progress printed until nothing
// moves any more, then a table source/version/state/reason. Then the link check: a program
// calling zlib, gmp, libpci, mbedtls, lwIP and OpenSSL links in a fresh builder container against the
// -dev packages apt installs from the service's repository (link-check.ts), and the install check:
// every -dev package of the repository installs from it (install-check.ts). Exits 1 when fewer
// than MIN_PUBLISHED (20) are published, that program does not link or a -dev package does not
// install. It needs the builder
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
import { installCheck } from './install-check.ts';
import { linkCheck, linkCheckLibraries } from './link-check.ts';
import type { RepoContainer } from './repo-container.ts';
import { corpusFor } from './sources.ts';
import { publishedVersion } from './published-version.ts';
import { stubbuildCommand } from '../stubbuild-command.ts';
import { loadAverage, writeResultsSection } from '../results-section.ts';

const MIN_PUBLISHED = Number(process.env.MIN_PUBLISHED ?? 20);
const POLL_MS = 15_000;
/** Nothing fetching, queued, building or publishing for this long: the batch has settled. */
const SETTLED_MS = 60_000;
const DEADLINE_MS = 4 * 3600_000;
/** Reads of the batch that may fail in a row (5 minutes at POLL_MS) before the run gives up. */
const MAX_FAILED_POLLS = 20;
/** Ctrl-C or a kill ends the wait, so the service is stopped and its database and data removed. */
const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => interrupted.abort(new Error(`corpus: ${signal}: stopping the service and cleaning up`)));
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const arch = process.env.ARCH ?? 'stubdom-amd64';
const linkedNames = new Intl.ListFormat('en', { type: 'conjunction' }).format(linkCheckLibraries.map((library) => library.name));
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
  /** The version the repository publishes (`+stubdomN` for a port), read from the job's .changes. */
  published?: string;
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
    let failedPolls = 0;
    while (Date.now() - started < DEADLINE_MS) {
      await sleep(POLL_MS, undefined, { signal: interrupted.signal }).catch(() => interrupted.signal.throwIfAborted());
      // One failed read (a dropped keep-alive connection, a busy service) must not end an hour-long run.
      const polled = await readBatch(url, batch.id, auth).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      );
      if (polled instanceof Error) {
        failedPolls += 1;
        console.log(`corpus: reading batch ${batch.id} failed (${polled.message}), try ${failedPolls} of ${MAX_FAILED_POLLS}`);
        if (failedPolls >= MAX_FAILED_POLLS)
          throw new Error(`corpus: the batch could not be read ${MAX_FAILED_POLLS} times in a row`, { cause: polled });
        continue;
      }
      failedPolls = 0;
      members = polled;
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
    members = await withPublishedVersions(url, auth, members);
    printTable(members);
    const published = members.filter((m) => m.state === 'published').length;
    const wall = minutes(Date.now() - started);
    console.log(`corpus: ${published} of ${members.length} published in ${wall} (at least ${MIN_PUBLISHED} wanted)`);
    const repo: RepoContainer = {
      image: profile.image,
      arch: profile.arch,
      repoDir: process.env.REPO_DIR ?? path.join(dataDir, 'repo'),
      keyText: await (await fetch(`${url}/apt/key.asc`)).text(),
      suite: process.env.REPO_SUITE ?? 'stubdom',
    };
    const linked = await checkLinking(repo, members, profile.triplet);
    const installable = await checkInstalling(repo);
    if (!process.env.CORPUS)
      await recordResults(members, { wall, published, linked, installable, loadAtStart, serverUrl: Boolean(serverUrl) });
    return published >= MIN_PUBLISHED && linked && installable.ok ? 0 : 1;
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
async function checkLinking(repo: RepoContainer, members: Member[], triplet: string): Promise<boolean> {
  const needed = linkCheckLibraries.map((library) => library.source);
  if (!needed.every((source) => members.some((m) => m.source === source))) {
    console.log(`link check: not run, CORPUS does not name all of ${needed.join(' ')}`);
    return true;
  }
  const missing = needed.filter((source) => !members.some((m) => m.source === source && m.state === 'published'));
  if (missing.length > 0) {
    console.log(`link check: not run, not published: ${missing.join(' ')}`);
    return false;
  }
  const result = await linkCheck({ ...repo, triplet });
  console.log(
    `link check: ${result.ok ? `a program calling ${linkCheckLibraries.map((library) => library.symbol).join(', ')} links` : 'FAILED'}`,
  );
  if (!result.ok) console.log(result.output.split('\n').slice(-30).join('\n'));
  return result.ok;
}

/** The install check: every -dev package of the repository installs from it. */
async function checkInstalling(repo: RepoContainer): Promise<{ ok: boolean; checked: number; uninstallable: string[] }> {
  const result = await installCheck(repo);
  if (result.ok) console.log(`install check: all ${result.checked} -dev packages install from the repository`);
  else {
    console.log(
      `install check: FAILED, ${result.uninstallable.length} of ${result.checked} -dev packages do not install: ${result.uninstallable.join(' ')}`,
    );
    console.log(result.output.split('\n').slice(-30).join('\n'));
  }
  return result;
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

async function readBatch(url: string, id: number, auth: Record<string, string>): Promise<Member[]> {
  const res = await fetch(`${url}/v1/batches/${id}`, { headers: auth });
  if (!res.ok) throw new Error(`GET /v1/batches/${id} answered ${res.status}`);
  return ((await res.json()) as { members: Member[] }).members;
}

/** Each published member with the version its .changes names (the port's `+stubdomN`, a binNMU's `+bN`). */
async function withPublishedVersions(url: string, auth: Record<string, string>, members: Member[]): Promise<Member[]> {
  return Promise.all(
    members.map(async (m) => {
      if (m.state !== 'published') return m;
      // A failed read leaves the version Debian's: the table matters more than this column.
      const detail = await fetch(`${url}/v1/jobs/${m.jobId}`, { headers: auth })
        .then((res) => res.json() as Promise<{ artifacts?: { kind: string; name: string }[] }>)
        .catch(() => ({ artifacts: undefined }));
      const published = publishedVersion(m.version, detail.artifacts?.find((a) => a.kind === 'changes')?.name);
      return published ? { ...m, published } : m;
    }),
  );
}

function countStates(members: Member[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of members) counts[m.state] = (counts[m.state] ?? 0) + 1;
  return counts;
}

function printTable(members: Member[]): void {
  const rows = [...members].sort((a, b) => a.source.localeCompare(b.source));
  const width = Math.max(...rows.map((m) => m.source.length), 6);
  const vwidth = Math.max(...rows.map((m) => shownVersion(m).length), 7);
  console.log(`${'source'.padEnd(width)}  ${'version'.padEnd(vwidth)}  ${'state'.padEnd(10)}  reason`);
  for (const m of rows) {
    const reason = m.state === 'dep-wait' ? `waits for ${m.unmetRelations.join(', ')}` : (m.reason ?? '');
    console.log(
      `${m.source.padEnd(width)}  ${shownVersion(m).padEnd(vwidth)}  ${m.state.padEnd(10)}  ${m.state === 'published' ? '' : reason}`,
    );
  }
}

/** The run's section of bench/RESULTS.md: before and after, the table, the machine's load. */
async function recordResults(
  members: Member[],
  run: {
    wall: string;
    published: number;
    linked: boolean;
    installable: { ok: boolean; checked: number; uninstallable: string[] };
    loadAtStart: string;
    serverUrl: boolean;
  },
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
      `- **After**: **${run.published} of ${members.length} published** in ${run.wall} of wall time (at least ${MIN_PUBLISHED} wanted); the program linking ${linkedNames} from the repository's -dev packages ${run.linked ? 'links' : 'does NOT link'}; ${run.installable.ok ? `all ${run.installable.checked} -dev packages install from the repository` : `${run.installable.uninstallable.length} of ${run.installable.checked} -dev packages do NOT install from it (${run.installable.uninstallable.join(', ')})`}.`,
      '',
      '| source | version (→ published, where a port changed it) | state | reason (`<cause class>: <first error line>` for a failure) |',
      '|---|---|---|---|',
      ...rows.map(
        (m) =>
          `| ${m.source} | ${shownVersion(m)} | ${m.state} | ${m.state === 'published' ? '' : cell(m.state === 'dep-wait' ? `waits for ${m.unmetRelations.join(', ')}` : (m.reason ?? ''))} |`,
      ),
    ].join('\n'),
  );
}

/** Debian's version, and what the repository publishes when a port changed it (`1.14-1 → 1.14-1+stubdom1`). */
function shownVersion(m: Member): string {
  const version = m.version ?? '';
  return m.published && m.published !== version ? `${version} → ${m.published}` : version;
}

function minutes(ms: number): string {
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

// an interrupt has stopped the service and cleaned up by the time main() rejects: its reason is
// the whole story, not a stack trace
process.exitCode = await main().catch((error: unknown) => {
  if (!interrupted.signal.aborted) throw error;
  console.error(`${(interrupted.signal.reason as Error).message}: done`);
  return 130;
});
