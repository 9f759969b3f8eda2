// Turnaround of a small build through the public interface: Debian's zlib uploaded with
// `POST /v1/jobs` to a `stubbuild serve` of its own (a fresh PostgreSQL database, one Docker
// engine with an empty download cache of its own), timed until the job reads `published`;
// the first run on the cold cache, the others warm. In the same run, interleaved with the warm
// ones, a bare `docker run` of the same image doing the same dpkg-buildpackage with its
// build-dependencies already installed (bare-build.ts). Where the difference goes comes from
// the job's state changes and the engine's container events (engine-events.ts).
//
//   npx tsx bench/turnaround/run.ts [--runs 4] [--bare-runs 3]
//
// Needs the builder image (built from this checkout's recipe when missing or stale, as the
// tests do; STUBBUILD_TEST_IMAGE_TAG names another tag) and a PostgreSQL server whose role may
// create databases: BENCH_DATABASE_URL (default postgres://stubbuild:stubbuild@127.0.0.1:5432/stubbuild).
// Writes bench/turnaround/results.json and the "turnaround" section of bench/RESULTS.md.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { ENGINE_LABEL } from '../../src/builders/docker-builder.ts';
import { ensureBuilderImage } from '../../test/builder-image.support.ts';
import { fetchDebianSource, ZLIB } from '../../test/helpers/debian-source.ts';
import { spawnService, type ServiceProcess } from '../../test/helpers/quick-builds.ts';
import { createServerDatabase, dropLeftoverDatabases, dropServerDatabase } from '../../test/helpers/server-database.ts';
import { loadAverage, writeResultsSection } from '../results-section.ts';
import { prepareBareBuild } from './bare-build.ts';
import { followEngineEvents, type ContainerTimes } from './engine-events.ts';
import { median } from '../median.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const option = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const RUNS = Number(option('runs', '4'));
const BARE_RUNS = Number(option('bare-runs', '3'));
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://stubbuild:stubbuild@127.0.0.1:5432/stubbuild';
const log = (message: string) => process.stderr.write(`[bench:turnaround] ${message}\n`);
const POLL_MS = 100;
const JOB_DEADLINE_MS = 30 * 60_000;

/** One build through the service, and where its time went (milliseconds). */
interface ServiceRun {
  cache: 'cold' | 'warm';
  jobId: number;
  total: number;
  phases: Record<Phase, number>;
  downloads: string;
  /** Index files and packages the dependency step fetched from the mirror. */
  downloadedFiles: number;
}

const PHASES = {
  dispatch: 'POST until the scheduler starts the attempt',
  setup: 'attempt start (image check, volumes) until the dependency container exists',
  depsContainer: 'dependency step: container creation and hand-in (source, repository)',
  deps: 'dependency step: apt-get update, resolving, downloading',
  buildContainer: 'build step: container creation and hand-in (repository)',
  build: 'build step: installing build-dependencies, unpacking, dpkg-buildpackage',
  collect: 'reading the artifacts and the outcome, removing the containers',
  publication: 'publication (verify, add to the repository, sign)',
  seen: 'published until the client saw it (poll every 100 ms)',
} as const;
type Phase = keyof typeof PHASES;

async function main(): Promise<void> {
  const loadAtStart = await loadAverage();
  const startedAt = new Date().toISOString();
  const { profile, tag } = await ensureBuilderImage();
  const zlib = await fetchDebianSource(ZLIB.source, ZLIB.version);
  const docker = new Docker();
  const engineId = `bench-turnaround-${process.pid}`;
  const cacheVolume = `stubbuild-apt-cache-bench-${process.pid}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-bench-turnaround-'));
  const archesDir = path.join(dataDir, 'arches');
  const dbName = `stubbuild_bench_turnaround_${process.pid}`;
  await dropLeftoverDatabases(serverUrl, 'stubbuild_bench_turnaround_');
  const events = await followEngineEvents(docker, `${ENGINE_LABEL}=${engineId}`);
  let service: ServiceProcess | undefined;
  const bareTag = `stubbuild-bench/turnaround-bare:${process.pid}`;
  let removeBare = async (): Promise<void> => undefined;
  try {
    const databaseUrl = await createServerDatabase(serverUrl, dbName);
    // The profile as the service reads it, naming the image just ensured.
    await mkdir(archesDir);
    await writeFile(path.join(archesDir, `${profile.arch}.json`), JSON.stringify({ ...profile, image: tag }, null, 2));
    service = await spawnService(
      {
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        REPO_DIR: path.join(dataDir, 'repo'),
        ARCHES_DIR: archesDir,
        LOG_LEVEL: 'info',
        BUILDER_ENGINES: JSON.stringify([{ id: engineId, host: 'unix:///var/run/docker.sock', capacity: 1, aptCacheVolume: cacheVolume }]),
      },
      path.join(dataDir, 'service.log'),
    );
    const token = (await readFile(path.join(dataDir, 'admin.token'), 'utf8')).trim();
    const client = { url: service.url, token };
    log(`service on ${service.url}, image ${tag}, ${RUNS} builds through it, ${BARE_RUNS} bare`);

    const runs: ServiceRun[] = [];
    const bare: number[] = [];
    runs.push(await buildThroughService(client, zlib.files, 'cold', events));
    log(`cold: ${seconds(runs[0]!.total)} (${runs[0]!.downloads})`);

    log('preparing the bare build (build-dependencies installed, the tree unpacked), untimed');
    const keyText = await (await fetch(`${service.url}/apt/key.asc`)).text();
    const bareBuild = await prepareBareBuild(docker, {
      image: tag,
      profile,
      source: zlib.files,
      repoDir: path.join(dataDir, 'repo'),
      keyText,
      tag: bareTag,
    });
    removeBare = bareBuild.remove;
    for (let i = 0; i < Math.max(RUNS - 1, BARE_RUNS); i++) {
      if (i < RUNS - 1) {
        const run = await buildThroughService(client, zlib.files, 'warm', events);
        runs.push(run);
        log(`warm ${i + 1}: ${seconds(run.total)} (${run.downloads})`);
      }
      if (i < BARE_RUNS) {
        bare.push(await bareBuild.run());
        log(`bare ${i + 1}: ${seconds(bare.at(-1)!)}`);
      }
    }
    const loadAtEnd = await loadAverage();
    await writeFile(
      path.join(here, 'results.json'),
      `${JSON.stringify({ startedAt, loadAtStart, loadAtEnd, image: tag, runs, bare }, null, 2)}\n`,
    );
    await writeResultsSection(path.join(here, '..', 'RESULTS.md'), 'turnaround', report({ startedAt, loadAtStart, loadAtEnd, runs, bare }));
    log('wrote bench/turnaround/results.json and the turnaround section of bench/RESULTS.md');
  } finally {
    events.stop();
    service?.child.kill('SIGTERM');
    await service?.exited;
    await removeBare();
    await docker
      .getVolume(cacheVolume)
      .remove()
      .catch(() => undefined);
    await dropServerDatabase(serverUrl, dbName);
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface JobView {
  state: string;
  events: { to: string; at: string }[];
}

/** zlib uploaded as CI would, followed until published; its phases from the job's events and the engine's. */
async function buildThroughService(
  client: { url: string; token: string },
  files: readonly { name: string; content: Buffer }[],
  cache: ServiceRun['cache'],
  events: Awaited<ReturnType<typeof followEngineEvents>>,
): Promise<ServiceRun> {
  const form = new FormData();
  files.forEach((file, i) => form.append(`file${i}`, new Blob([new Uint8Array(file.content)]), file.name));
  const posted = Date.now();
  const res = await fetch(`${client.url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${client.token}` }, body: form });
  const body = (await res.json()) as { id?: number };
  if (res.status !== 202 || typeof body.id !== 'number') throw new Error(`POST /v1/jobs answered ${res.status}: ${JSON.stringify(body)}`);
  const jobId = body.id;
  let job: JobView;
  for (;;) {
    job = (await (await fetch(`${client.url}/v1/jobs/${jobId}`)).json()) as JobView;
    if (['published', 'failed', 'dep-wait', 'cancelled'].includes(job.state)) break;
    if (Date.now() - posted > JOB_DEADLINE_MS) throw new Error(`job ${jobId} is still ${job.state} after 30 minutes`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const seen = Date.now();
  const logText = await (await fetch(`${client.url}/v1/jobs/${jobId}/log`)).text();
  if (job.state !== 'published') throw new Error(`job ${jobId} ended ${job.state}:\n${logText.slice(-3000)}`);
  const at = (state: string) => Date.parse(job.events.find((e) => e.to === state)!.at);
  const steps = events.stepsOf(jobId);
  const deps = required(steps.deps, 'deps');
  const build = required(steps.build, 'build');
  const downloads = /downloaded from the mirror: ([^;\n]*)/.exec(logText)?.[1] ?? 'not said';
  const counts = /(\d+) index files, (\d+) packages/.exec(downloads);
  return {
    cache,
    jobId,
    total: seen - posted,
    phases: {
      dispatch: at('building') - posted,
      setup: deps.create - at('building'),
      depsContainer: deps.start - deps.create,
      deps: deps.die - deps.start,
      buildContainer: build.start - build.create,
      build: build.die - build.start,
      collect: at('publishing') - build.die,
      publication: at('published') - at('publishing'),
      seen: seen - at('published'),
    },
    downloads,
    downloadedFiles: counts ? Number(counts[1]) + Number(counts[2]) : NaN,
  };
}

function required(times: ContainerTimes | undefined, step: string): Required<ContainerTimes> {
  if (times?.create === undefined || times.start === undefined || times.die === undefined) {
    throw new Error(`the engine's events of the ${step} container are incomplete: ${JSON.stringify(times)}`);
  }
  return times as Required<ContainerTimes>;
}

/** The warm medians of what the bare run does not do, and of the build step beyond the bare run. */
function difference(warm: readonly ServiceRun[], bare: number): string {
  const m = (phase: Phase) => median(warm.map((run) => run.phases[phase]));
  const parts: [string, number][] = [
    ['the dependency step', m('deps')],
    [
      'the build step beyond dpkg-buildpackage (installing the build-dependencies, unpacking, the static-only policy, collecting)',
      m('build') - bare,
    ],
    ['creating the two containers and handing files in', m('setup') + m('depsContainer') + m('buildContainer')],
    ['reading the artifacts and removing the containers', m('collect')],
    ['publication', m('publication')],
    ['dispatch and polling', m('dispatch') + m('seen')],
  ];
  return parts.map(([what, ms]) => `${what} ${seconds(ms)}`).join(', ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function report(r: { startedAt: string; loadAtStart: string; loadAtEnd: string; runs: ServiceRun[]; bare: number[] }): string {
  const cold = r.runs.find((run) => run.cache === 'cold')!;
  const warm = r.runs.filter((run) => run.cache === 'warm');
  const warmTotal = median(warm.map((run) => run.total));
  const bare = median(r.bare);
  const ratio = warmTotal / bare;
  const second = r.runs[1];
  const secondClean = second !== undefined && second.downloadedFiles === 0;
  const rows = (Object.keys(PHASES) as Phase[]).map((phase) => {
    const w = median(warm.map((run) => run.phases[phase]));
    return `| ${PHASES[phase]} | ${seconds(cold.phases[phase])} | ${seconds(w)} | ${((w / warmTotal) * 100).toFixed(0)} % |`;
  });
  return [
    '# Turnaround of a small build (`bench/turnaround/run.ts`)',
    '',
    `Generated by \`npx tsx bench/turnaround/run.ts --runs ${RUNS} --bare-runs ${BARE_RUNS}\` on ${r.startedAt}: Debian's zlib ${ZLIB.version} (ported: +stubdom1) uploaded with \`POST /v1/jobs\` to a \`stubbuild serve\` of its own (PostgreSQL, one Docker engine of capacity 1 with an empty download cache of its own), timed until \`GET /v1/jobs/{id}\` reads \`published\`; the first build on the cold cache, the ${warm.length} others warm. In the same run, interleaved with the warm builds, ${r.bare.length} bare \`docker run --rm --network none\` of the same image doing the same \`dpkg-buildpackage -a stubdom-amd64\` as the build user, in a container committed with the build-dependencies installed and the tree prepared. **Load average at the start ${r.loadAtStart}**, at the end ${r.loadAtEnd}. Raw numbers: \`bench/turnaround/results.json\`.`,
    '',
    '| | median | runs |',
    '|---|---|---|',
    `| through the service, cold cache | ${seconds(cold.total)} | 1 |`,
    `| through the service, warm cache | ${seconds(warmTotal)} | ${warm.map((run) => seconds(run.total)).join(', ')} |`,
    `| bare \`docker run\` of dpkg-buildpackage | ${seconds(bare)} | ${r.bare.map(seconds).join(', ')} |`,
    '',
    `**Ratio (warm service / bare): ${ratio.toFixed(2)}×**; cold service / bare: ${(cold.total / bare).toFixed(2)}×.`,
    '',
    "Where the time goes (the job's state changes beside the engine's container events):",
    '',
    '| phase | cold | warm (median) | share of warm |',
    '|---|---|---|---|',
    ...rows,
    '',
    `What the dependency step downloaded from the mirror — cold: ${cold.downloads}; warm: ${[...new Set(warm.map((run) => run.downloads))].join(' / ')}. (Release files are fetched whenever the mirror does not answer If-Modified-Since with 304; they tell apt whether the cached indexes are current.)`,
    '',
    `The cache's saving in time is the dependency step's cold row less its warm median: ${seconds(cold.phases.deps - median(warm.map((run) => run.phases.deps)))} (one cold run, so as noisy as the load; it grows with the mirror's distance and the size of what was downloaded).`,
    '',
    `Warm, the service takes ${seconds(warmTotal - bare)} more than the bare run: ${difference(warm, bare)}.`,
    '',
    '### Goals',
    '',
    `- The second build of the same source downloads no index file and no package from the mirror (the cache): ${second ? second.downloads : 'no second build'} — **${secondClean ? 'met' : 'not met'}**${second && !/^0 release/.test(second.downloads) ? '; the release files (InRelease, about 240 kB) are fetched by every build, because this mirror answers If-Modified-Since with 200 (a mirror that answers 304 makes them "Hit")' : ''}.`,
    `- Turnaround beside a bare \`docker run\`: ${ratio.toFixed(2)}× — recorded; issue 16 sets no bound for it.`,
  ].join('\n');
}

await main();
