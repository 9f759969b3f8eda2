// Job reads under load, through the public interface: `stubbuild serve` on PostgreSQL with
// 100,000 jobs, loaded by autocannon at a fixed rate, beside a bare Fastify route loaded the same
// way in the same run; the service's resident memory idle and under load.
//
//   npx tsx bench/api/run.ts [--jobs 100000] [--rate 500] [--connections 32] [--duration 15] [--rounds 5]
//
// Each target is loaded in --rounds rounds, interleaved (bare, list, detail, the bare route sending
// the list page's bytes, bare, …), and judged by the medians of its rounds: on two cores one 15 s
// run's p99 swings severalfold with whatever else the machine does for a moment, for the bare
// route as much as for the service.
//
// Latencies are autocannon's own time of each 2xx response, to the microsecond, collected as they
// come: its histogram counts whole milliseconds (a bare route's p50 of 0.4 or 1.4 ms is 1 ms in it,
// so "3×" would be decided by rounding), and at a fixed rate it fills in coordinated omission
// assuming one request per millisecond and connection (`Math.ceil(1 / rate)`), adding L − 1
// made-up samples for every response of L ms. Its histogram's figures are recorded beside them.
//
// Needs a PostgreSQL server whose role may create databases: BENCH_DATABASE_URL (default
// postgres://stubbuild:stubbuild@127.0.0.1:5432/stubbuild). Writes bench/api/results.json and
// the "api" section of bench/RESULTS.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open-database.ts';
import { mapLimited } from '../../src/map-limited.ts';
import { createToken } from '../../src/tokens/tokens.ts';
import { createServerDatabase, dropLeftoverDatabases, dropServerDatabase } from '../../test/helpers/server-database.ts';
import { loadAverage, writeResultsSection } from '../results-section.ts';
import { median, percentile } from '../median.ts';
import { seedJobs } from './seed-jobs.ts';
import { stubbuildCommand } from '../stubbuild-command.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const option = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const JOBS = Number(option('jobs', '100000'));
const RATE = Number(option('rate', '500'));
const CONNECTIONS = Number(option('connections', '32'));
const DURATION = Number(option('duration', '15'));
const ROUNDS = Number(option('rounds', '5'));
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://stubbuild:stubbuild@127.0.0.1:5432/stubbuild';
const log = (message: string) => process.stderr.write(`[bench:api] ${message}\n`);

interface Measured {
  target: string;
  url: string;
  requests: number;
  rps: number;
  /** Of every 2xx response's time, ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** autocannon's histogram (whole ms, with its coordinated-omission fill-in). */
  histogram: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  maxRssMiB: number;
}

/**
 * Starts a process and waits for `ready` to say it answers. Its output goes straight into
 * `logFile`: read through a pipe it would cost the load generator's own process a callback
 * per access-log line, and show as the service's latency.
 */
async function start(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: () => Promise<boolean>,
  logFile: string,
): Promise<ChildProcess> {
  const log = openSync(logFile, 'w');
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  closeSync(log);
  const deadline = Date.now() + 120_000;
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${cmd} did not come up:\n${(await readFile(logFile, 'utf8')).slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return child;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) / 1024;
}

/** One round of load on `url`, sampling the resident memory of `answeringPid`, the process that answers. */
async function load(target: string, url: string, answeringPid: number, paths?: string[]): Promise<Measured> {
  let maxRss = await rssMiB(answeringPid);
  const sampler = setInterval(() => void rssMiB(answeringPid).then((m) => (maxRss = Math.max(maxRss, m))), 250);
  let next = 0;
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const tracker = autocannon(
      {
        url,
        connections: CONNECTIONS,
        overallRate: RATE,
        duration: DURATION,
        ...(paths
          ? { requests: [{ setupRequest: (req: { path: string }) => ({ ...req, path: paths[(next += 1) % paths.length]! }) }] }
          : {}),
      } as autocannon.Options,
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    tracker.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
  });
  clearInterval(sampler);
  const exact = (p: number) => Math.round(percentile(times, p) * 100) / 100;
  return {
    target,
    url,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: exact(50),
    p90: exact(90),
    p99: exact(99),
    max: exact(100),
    histogram: { p50: result.latency.p50, p99: result.latency.p99 },
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    maxRssMiB: Math.round(maxRss),
  };
}

/** The service's count of job reads answered from memory and from the database. */
async function cacheAnswers(base: string): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const count = (result: string) =>
    Number(new RegExp(`^stubbuild_job_read_cache_answers_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { hit: count('hit'), miss: count('miss') };
}

async function main(): Promise<void> {
  const loadAtStart = await loadAverage();
  await dropLeftoverDatabases(serverUrl, 'stubbuild_bench_api_');
  const dbName = `stubbuild_bench_api_${process.pid}`;
  const databaseUrl = await createServerDatabase(serverUrl, dbName);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-bench-api-'));
  const children: ChildProcess[] = [];
  try {
    const handle = await openDatabase({ databaseUrl, dataDir: 'unused' });
    await migrateToLatest(handle.db);
    const token = await createToken(handle.db, { role: 'submit', name: 'bench' });
    const seeding = performance.now();
    await seedJobs(handle.db, JOBS, token.id);
    const ids = (await handle.db.selectFrom('jobs').select('id').orderBy('id').execute()).map((r) => r.id);
    // A database that grew to 100,000 jobs over time has been vacuumed and analysed; one seeded in
    // seconds would be, by autovacuum, during the measurement.
    await sql`vacuum analyze`.execute(handle.db);
    await handle.close();
    log(`seeded ${JOBS} jobs in ${Math.round(performance.now() - seeding)} ms`);
    // The seeded jobs list source files that are not there; a DATA_DIR with a file store is
    // what serve expects beside such a database (src/cli/data-dir-identity.ts).
    await mkdir(path.join(dataDir, 'files', 'sha256'), { recursive: true });

    const port = 18080 + (process.pid % 1000);
    // The service as configured by default, and beside it one with READ_CACHE_BYTES=0: every
    // read goes to the database (recorded, not the goal's measure).
    // BENCH_PROFILE=DIR writes the service's CPU profile into DIR when it stops.
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const startService = (servicePort: number, env: NodeJS.ProcessEnv, name: string) =>
      start(
        ...stubbuildCommand(['serve', '--port', String(servicePort)], profile),
        {
          DATABASE_URL: databaseUrl,
          DATA_DIR: dataDir,
          BUILDER_ENGINES: JSON.stringify([{ id: 'none', host: 'unix:///nonexistent/docker.sock', capacity: 1 }]),
          ...env,
        },
        async () => (await fetch(`http://127.0.0.1:${servicePort}/readyz`)).status === 200,
        path.join(dataDir, `${name}.log`),
      );
    const service = await startService(port, {}, 'serve');
    children.push(service);
    const uncachedPort = port + 2;
    const uncached = await startService(uncachedPort, { READ_CACHE_BYTES: '0' }, 'serve-uncached');
    children.push(uncached);
    const base = `http://127.0.0.1:${port}`;
    // The list page's bytes, for the bare route that sends them (bare-server.ts).
    const listAnswer = path.join(dataDir, 'list-answer.json');
    const listBytes = Buffer.from(await (await fetch(`${base}/v1/jobs?limit=50`)).arrayBuffer());
    await writeFile(listAnswer, listBytes);
    const barePort = port + 1;
    const bare = await start(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'bare-server.ts')],
      { PORT: String(barePort), ANSWER_FILE: listAnswer },
      async () => (await fetch(`http://127.0.0.1:${barePort}/bare`)).ok,
      path.join(dataDir, 'bare.log'),
    );
    children.push(bare);

    // 1,000 jobs spread over the table by a prime stride, so their states mix as the table's do
    // (an even stride of 100 picked only queued jobs: the seed queues every 20th).
    const detailPaths = Array.from({ length: 1000 }, (_, i) => `/v1/jobs/${ids[(i * 7919) % ids.length]}`);
    await new Promise((r) => setTimeout(r, 5000));
    const idleRss = Math.round(await rssMiB(service.pid!));
    log(`service idle: ${idleRss} MiB resident`);
    const uncachedBase = `http://127.0.0.1:${uncachedPort}`;
    // A short warm-up of each route, so the measured runs compare warm code.
    for (const [url, paths] of [
      [`http://127.0.0.1:${barePort}/bare`],
      [`http://127.0.0.1:${barePort}/bare-answer`],
      [`${base}/v1/jobs?limit=50`],
      [`${base}/v1/jobs/1`, detailPaths],
      [`${uncachedBase}/v1/jobs?limit=50`],
      [`${uncachedBase}/v1/jobs/1`, detailPaths],
    ] as const) {
      let next = 0;
      await autocannon({
        url,
        connections: 8,
        duration: 3,
        ...(paths ? { requests: [{ setupRequest: (r: { path: string }) => ({ ...r, path: paths[next++ % paths.length]! }) }] } : {}),
      } as autocannon.Options);
    }
    // Every sampled job read once from the service, as one that has been serving them has.
    await mapLimited(detailPaths, 8, async (jobPath) => {
      const res = await fetch(`${base}${jobPath}`);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${jobPath}: ${res.status}`);
    });
    const sameBytes = `bare Fastify route sending the list page's ${Math.round(listBytes.length / 1024)} kB`;
    // The first three are the goal's; the fourth is recorded beside them.
    const targets: [string, string, string[]?][] = [
      ['bare Fastify route', `http://127.0.0.1:${barePort}/bare`],
      ['GET /v1/jobs?limit=50', `${base}/v1/jobs?limit=50`],
      ['GET /v1/jobs/{id}', `${base}/v1/jobs/1`, detailPaths],
      [sameBytes, `http://127.0.0.1:${barePort}/bare-answer`],
    ];
    const rounds: Measured[][] = targets.map(() => []);
    // Of the service's reads in the measured rounds: answered from memory or from the database.
    const listAnswers = { hit: 0, miss: 0 };
    const detailAnswers = { hit: 0, miss: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [i, [target, url, paths]] of targets.entries()) {
        const answers = url.startsWith(base) ? (paths ? detailAnswers : listAnswers) : undefined;
        const before = answers ? await cacheAnswers(base) : undefined;
        // The memory of whichever process answers is sampled alike, so the load generator's
        // process does the same work in every round.
        const m = await load(target, url, url.startsWith(base) ? service.pid! : bare.pid!, paths);
        rounds[i]!.push(m);
        if (answers && before) {
          const after = await cacheAnswers(base);
          answers.hit += after.hit - before.hit;
          answers.miss += after.miss - before.miss;
        }
        log(
          `round ${round + 1}, ${target}: p50 ${m.p50} ms, p99 ${m.p99} ms (histogram ${m.histogram.p50} / ${m.histogram.p99}), ${m.rps} req/s, non-2xx ${m.non2xx}, errors ${m.errors}`,
        );
      }
    }
    log(`GET /v1/jobs?limit=50: ${listAnswers.hit} answers from memory, ${listAnswers.miss} from the database`);
    log(`GET /v1/jobs/{id}: ${detailAnswers.hit} answers from memory, ${detailAnswers.miss} from the database`);
    // Each target's figures are the medians of its rounds; errors and non-2xx answers are summed.
    const measured: Measured[] = rounds.map((runs) => ({
      target: runs[0]!.target,
      url: runs[0]!.url,
      requests: runs.reduce((sum, m) => sum + m.requests, 0),
      rps: median(runs.map((m) => m.rps)),
      p50: median(runs.map((m) => m.p50)),
      p90: median(runs.map((m) => m.p90)),
      p99: median(runs.map((m) => m.p99)),
      max: Math.max(...runs.map((m) => m.max)),
      histogram: { p50: median(runs.map((m) => m.histogram.p50)), p99: median(runs.map((m) => m.histogram.p99)) },
      non2xx: runs.reduce((sum, m) => sum + m.non2xx, 0),
      errors: runs.reduce((sum, m) => sum + m.errors, 0),
      maxRssMiB: Math.max(...runs.map((m) => m.maxRssMiB)),
    }));
    const informational: Measured[] = [];
    informational.push(await load('GET /v1/jobs?limit=50, READ_CACHE_BYTES=0', `${uncachedBase}/v1/jobs?limit=50`, uncached.pid!));
    informational.push(await load('GET /v1/jobs/{id}, READ_CACHE_BYTES=0', `${uncachedBase}/v1/jobs/1`, uncached.pid!, detailPaths));
    for (const m of informational)
      log(`${m.target}: p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.rps} req/s, non-2xx ${m.non2xx}, errors ${m.errors}`);

    const bareRun = measured[0]!;
    const goals = measured.slice(1, 3).map((m) => {
      const p50Ratio = m.p50 / bareRun.p50;
      const p99Ratio = m.p99 / bareRun.p99;
      return {
        target: m.target,
        p50Ratio,
        p99Ratio,
        histogramRatios: {
          p50: m.histogram.p50 / Math.max(bareRun.histogram.p50, 1),
          p99: m.histogram.p99 / Math.max(bareRun.histogram.p99, 1),
        },
        met: m.non2xx === 0 && m.errors === 0 && p50Ratio <= 3 && p99Ratio <= 1.5,
      };
    });
    const sameBytesRun = measured[3]!;
    // The service's: the list and the detail (the others are the bare route's process).
    const maxRss = Math.max(...measured.slice(1, 3).map((m) => m.maxRssMiB));
    const results = {
      date: new Date().toISOString(),
      loadAtStart,
      loadAtEnd: await loadAverage(),
      jobs: JOBS,
      rate: RATE,
      connections: CONNECTIONS,
      duration: DURATION,
      rounds: ROUNDS,
      idleRssMiB: idleRss,
      measured,
      measuredRounds: rounds,
      informational,
      listAnswers,
      detailAnswers,
      goals,
    };
    await writeFile(path.join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    const row = (m: Measured) =>
      `| ${m.target} | ${m.p50} | ${m.p90} | ${m.p99} | ${m.max} | ${m.histogram.p50} / ${m.histogram.p99} | ${Math.round(m.rps)} | ${m.non2xx} | ${m.errors} | ${m.maxRssMiB} |`;
    await writeResultsSection(
      path.join(root, 'bench', 'RESULTS.md'),
      'api',
      [
        '# Job reads under load (`bench/api/run.ts`)',
        '',
        `Generated by \`npx tsx bench/api/run.ts --jobs ${JOBS} --rate ${RATE} --connections ${CONNECTIONS} --duration ${DURATION} --rounds ${ROUNDS}\` on ${results.date}: \`stubbuild serve\` on PostgreSQL with ${JOBS.toLocaleString('en')} jobs, autocannon (\`-R ${RATE} -c ${CONNECTIONS}\`, ${DURATION} s each, anonymous reads) against it and, in the same run, against a bare Fastify route in a process of its own; ${ROUNDS} rounds, each loading the bare route, the list, the detail and the bare route sending the list page's bytes in turn. The first four rows are the medians of the rounds (max: the largest; non-2xx and errors: summed). Latencies are autocannon's own time of every 2xx response, to the microsecond; its histogram's figures (whole milliseconds, with its coordinated-omission fill-in at one request per millisecond) are in their own column, and the goals are judged on the former (see the top of \`bench/api/run.ts\`). Load average at the start ${loadAtStart}, at the end ${results.loadAtEnd}. Raw numbers: \`bench/api/results.json\`.`,
        '',
        "| target | p50 ms | p90 ms | p99 ms | max ms | autocannon's histogram p50 / p99 ms | req/s | non-2xx | errors | RSS max MiB of the process answering |",
        '|---|---|---|---|---|---|---|---|---|---|',
        ...measured.map(row),
        ...informational.map(row),
        '',
        'Each round (p50 / p99 ms):',
        '',
        `| target | ${rounds[0]!.map((_, r) => `round ${r + 1}`).join(' | ')} |`,
        `|---|${rounds[0]!.map(() => '---|').join('')}`,
        ...rounds.map((runs) => `| ${runs[0]!.target} | ${runs.map((m) => `${m.p50} / ${m.p99}`).join(' | ')} |`),
        '',
        `The service runs with its defaults, so job reads are answered from memory until the job changes (\`READ_CACHE_BYTES\`, README "Operations"); before the measured runs each of the 1,000 sampled jobs was read once. During the measured rounds ${listAnswers.hit.toLocaleString('en')} answers to \`GET /v1/jobs?limit=50\` came from memory and ${listAnswers.miss.toLocaleString('en')} from the database, and ${detailAnswers.hit.toLocaleString('en')} to \`GET /v1/jobs/{id}\` from memory and ${detailAnswers.miss.toLocaleString('en')} from the database (a waiting job's answer is read again behind the answers once it is 10 s old). The rows marked \`READ_CACHE_BYTES=0\` are a second service on the same database with the cache off, loaded the same way after the others: every read asks PostgreSQL; they are recorded, not the goal's measure.`,
        '',
        `The service's resident memory: ${idleRss} MiB idle, ${maxRss} MiB at most under load (goal: under 200 MiB) — **${idleRss < 200 && maxRss < 200 ? 'met' : 'not met'}**.`,
        '',
        ...goals.map(
          (g) =>
            `- ${g.target}: p50 ${g.p50Ratio.toFixed(2)}× the bare route (goal ≤ 3×), p99 ${g.p99Ratio.toFixed(2)}× (goal ≤ 1.5×) — **${g.met ? 'met' : 'not met'}** (by autocannon's histogram: ${g.histogramRatios.p50.toFixed(2)}× and ${g.histogramRatios.p99.toFixed(2)}×).`,
        ),
        '',
        `Not a goal, recorded to show what of the list's time is the size of its answer: the ${sameBytes} answers at p50 ${sameBytesRun.p50} ms, p99 ${sameBytesRun.p99} ms, ${(sameBytesRun.p99 / bareRun.p99).toFixed(2)}× the small bare route's p99; the list's p99 is ${(measured[1]!.p99 / sameBytesRun.p99).toFixed(2)}× that route's.`,
      ].join('\n'),
    );
    log('wrote bench/api/results.json and the api section of bench/RESULTS.md');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await dropServerDatabase(serverUrl, dbName);
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
