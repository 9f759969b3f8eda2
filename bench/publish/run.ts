// Publishing benchmark: stubbuild against reprepro and aptly, on the same generated .debs.
//
//   npx tsx bench/publish/run.ts [--sizes 1000,10000] [--runs 3] [--databases postgres,pglite]
//                                [--tools reprepro,aptly,in-process,http]
//
// Needs reprepro, aptly and gpg (`apt-get install -y reprepro aptly`), and for the
// PostgreSQL runs a server whose role may create databases:
//   BENCH_DATABASE_URL (default postgres://stubbuild:stubbuild@127.0.0.1:5432/stubbuild).
// Work files go under BENCH_DIR (default /tmp/stubbuild-bench); the generated .debs are kept
// there between runs. Writes bench/RESULTS.md and bench/publish/results.json.
//
// The headline is the public interface: `stubbuild serve` receiving all N .debs in one streamed
// POST /v1/admin/packages (what `stubbuild repo add DIR` sends; http-run.ts) against aptly's
// repo add + publish, written to its own section of RESULTS.md with the goals (full publish at
// most half of aptly's time, add one at most a tenth). The in-process figures (stubbuild-run.ts)
// stay as the breakdown: what the repository code costs without HTTP.
//
// What is measured, for N packages (synthetic, ~0.8 KiB each, gzip members like dpkg-deb -Zgzip):
//   full     an empty repository to N packages published and signed (reprepro includedeb of all;
//            aptly repo create + repo add + publish repo; stubbuild addPackages + publishRepository)
//   add one  one more package added to that repository, republished and signed (reprepro
//            includedeb; aptly repo add + publish update; stubbuild addPackages + publishRepository)
// Each tool writes the same index files: against reprepro, Packages, .gz, .xz; against aptly
// (which writes no .xz), Packages and .gz, no Contents and no .bz2. All sign with one throwaway
// ed25519 key. Runs of the tools are interleaved (run 1 of each, then run 2 ...) so drift in
// the machine's load is shared, and every measured step starts after a `sync` and a pause, so
// nobody pays for the previous step's writes.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { dropLeftoverDatabases } from '../../test/helpers/server-database.ts';
import { writeSyntheticDeb } from '../../test/helpers/synthetic-deb.ts';
import { sectionOf } from '../results-section.ts';
import { HTTP_SECTION, writeHttpHeadline } from './http-headline.ts';
import { median } from '../median.ts';
import { benchLayout } from './layout.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const sizes = option('sizes', '1000,10000').split(',').map(Number);
const runs = Number(option('runs', '3'));
const databases = option('databases', 'postgres').split(',') as ('postgres' | 'pglite')[];
const tools = option('tools', 'reprepro,aptly,in-process,http').split(',');
const benchDir = process.env.BENCH_DIR ?? '/tmp/stubbuild-bench';
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://stubbuild:stubbuild@127.0.0.1:5432/stubbuild';

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout });
      else reject(new Error(`${cmd} ${args.slice(0, 6).join(' ')} … exited ${code}\n${stderr.slice(0, 3000)}`));
    });
  });
}

/** Flush the page cache's dirty data and let the disk settle before a measured step. */
async function settle(): Promise<void> {
  execFileSync('sync');
  await new Promise((r) => setTimeout(r, 1000));
}

// ext4 without a journal (this VM's root file system: /proc/fs/jbd2 is empty) will not reuse an
// inode freed in the last 60 s, or 360 s while its inode table block is dirty (recently_deleted()
// in fs/ext4/ialloc.c), and checks every such candidate on each allocation: minutes after
// 10,000 directories were deleted, creating 10,000 took 2-9 s instead of 0.25-0.35 s, slowing
// whichever tool ran then. So no run deletes anything: each tool's files and database are kept
// until the end, and the benchmark starts only once earlier deletions have aged.
const INODE_RECENTCY_MS = 370_000;

/** Removes every run's files and the databases stubbuild-run.ts left; true if there were any. */
async function removeRunLeftovers(): Promise<boolean> {
  const { runsDir } = benchLayout(benchDir);
  const hadFiles = existsSync(runsDir) && readdirSync(runsDir).length > 0;
  await rm(runsDir, { recursive: true, force: true });
  if (!databases.includes('postgres')) return hadFiles;
  const dropped = await dropLeftoverDatabases(serverUrl, 'stubbuild_bench_', { all: true });
  return hadFiles || dropped.length > 0;
}

// ---------------------------------------------------------------------------------------
// Inputs

const debName = (i: number) => `libsyn${String(i).padStart(5, '0')}`;

async function ensureDebs(n: number): Promise<string> {
  const dir = join(benchDir, `debs-${n}`);
  if (existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith('.deb')).length === n) return dir;
  log(`generating ${n} .debs in ${dir}`);
  await rm(dir, { recursive: true, force: true });
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) await writeSyntheticDeb(dir, { name: debName(next++), version: '1.0-1' });
    }),
  );
  return dir;
}

interface Key {
  gnupgHome: string;
  fingerprint: string;
  /** Armored secret key for stubbuild's REPO_SIGNING_KEY. */
  secretFile: string;
  /** Binary public keyring, for gpgv. */
  keyring: string;
}

async function makeKey(): Promise<Key> {
  const gnupgHome = join(benchDir, 'gnupg');
  await rm(gnupgHome, { recursive: true, force: true });
  await mkdir(gnupgHome, { mode: 0o700, recursive: true });
  const env = { ...process.env, GNUPGHOME: gnupgHome };
  execFileSync(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--quick-gen-key',
      'stubbuild bench <bench@example.invalid>',
      'ed25519',
      'sign',
      'never',
    ],
    { env, stdio: 'ignore' },
  );
  const listing = execFileSync('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env }).toString();
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)![1]!;
  const secretFile = benchLayout(benchDir).secretKeyFile;
  await mkdir(dirname(secretFile), { mode: 0o700, recursive: true });
  await writeFile(
    secretFile,
    execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', fingerprint], {
      env,
    }),
    { mode: 0o600 },
  );
  const keyring = join(benchDir, 'bench-public.gpg');
  await writeFile(keyring, execFileSync('gpg', ['--batch', '--export', fingerprint], { env }));
  return { gnupgHome, fingerprint, secretFile, keyring };
}

// ---------------------------------------------------------------------------------------
// The tools

interface Measurement {
  fullMs: number;
  addOneMs: number;
  /** The published suite directory, checked after the run. */
  suiteDir: string;
}

interface Variant {
  name: string;
  tool: 'stubbuild' | 'stubbuild-http' | 'reprepro' | 'aptly';
  xz: boolean;
  database?: 'postgres' | 'pglite';
  measure(debDir: string, extra: string, work: string, key: Key): Promise<Measurement>;
}

const reprepro: Variant = {
  name: 'reprepro (Packages, .gz, .xz)',
  tool: 'reprepro',
  xz: true,
  async measure(debDir, extra, work, key) {
    await mkdir(join(work, 'conf'), { recursive: true });
    await writeFile(
      join(work, 'conf', 'distributions'),
      [
        'Origin: bench',
        'Label: bench',
        'Suite: stubdom',
        'Codename: stubdom',
        'Architectures: stubdom-amd64',
        'Components: main',
        'DebIndices: Packages Release . .gz .xz',
        `SignWith: ${key.fingerprint}`,
        '',
      ].join('\n'),
    );
    const env = { ...process.env, GNUPGHOME: key.gnupgHome };
    const debs = readdirSync(debDir)
      .filter((f) => f.endsWith('.deb'))
      .sort()
      .map((f) => join(debDir, f));
    await settle();
    const full = await run('reprepro', ['-b', work, '--silent', 'includedeb', 'stubdom', ...debs], env);
    await settle();
    const one = await run('reprepro', ['-b', work, '--silent', 'includedeb', 'stubdom', extra], env);
    return { fullMs: full.ms, addOneMs: one.ms, suiteDir: join(work, 'dists', 'stubdom') };
  },
};

const aptly: Variant = {
  name: 'aptly (Packages, .gz)',
  tool: 'aptly',
  xz: false,
  async measure(debDir, extra, work, key) {
    const config = join(work, 'aptly.conf');
    await mkdir(work, { recursive: true });
    await writeFile(config, JSON.stringify({ rootDir: join(work, 'root'), gpgProvider: 'gpg2', architectures: ['stubdom-amd64'] }));
    const env = { ...process.env, GNUPGHOME: key.gnupgHome };
    const aptlyRun = (...args: string[]) => run('aptly', [`-config=${config}`, ...args], env);
    const sign = ['-skip-contents', '-skip-bz2', '-batch', `-gpg-key=${key.fingerprint}`];
    await settle();
    const create = await aptlyRun('repo', 'create', '-distribution=stubdom', '-component=main', 'bench');
    const add = await aptlyRun('repo', 'add', 'bench', debDir);
    const publish = await aptlyRun('publish', 'repo', '-architectures=stubdom-amd64', ...sign, 'bench');
    await settle();
    const addOne = await aptlyRun('repo', 'add', 'bench', extra);
    const update = await aptlyRun('publish', 'update', ...sign, 'stubdom');
    return {
      fullMs: create.ms + add.ms + publish.ms,
      addOneMs: addOne.ms + update.ms,
      suiteDir: join(work, 'root', 'public', 'dists', 'stubdom'),
    };
  },
};

function stubbuild(database: 'postgres' | 'pglite', xz: boolean): Variant {
  return {
    name: `stubbuild on ${database === 'postgres' ? 'PostgreSQL' : 'PGlite'} (Packages, .gz${xz ? ', .xz' : ''})`,
    tool: 'stubbuild',
    xz,
    database,
    async measure(debDir, extra, work, key) {
      await mkdir(work, { recursive: true });
      const args = ['--import', 'tsx', join(here, 'stubbuild-run.ts'), debDir, extra, work, key.secretFile, String(xz)];
      if (database === 'postgres') args.push(serverUrl);
      // stubbuild-run.ts sets up its database, flushes and pauses, then times each step itself.
      await settle();
      const { stdout } = await run(process.execPath, args, { ...process.env, LOG_LEVEL: 'silent' });
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        fullMs: number;
        addOneMs: number;
        repoDir: string;
        database: string;
      };
      if (result.database !== database) throw new Error(`stubbuild ran on ${result.database}, not ${database}`);
      return { fullMs: result.fullMs, addOneMs: result.addOneMs, suiteDir: join(result.repoDir, 'dists', 'stubdom') };
    },
  };
}

/** stubbuild through its HTTP API: a service of its own, every .deb in one request (http-run.ts). */
function stubbuildHttp(database: 'postgres' | 'pglite'): Variant {
  return {
    name: `stubbuild over HTTP on ${database === 'postgres' ? 'PostgreSQL' : 'PGlite'} (Packages, .gz)`,
    tool: 'stubbuild-http',
    xz: false,
    database,
    async measure(debDir, extra, work, key) {
      await mkdir(work, { recursive: true });
      const args = ['--import', 'tsx', join(here, 'http-run.ts'), debDir, extra, work, key.secretFile, 'false'];
      if (database === 'postgres') args.push(serverUrl);
      await settle();
      const { stdout } = await run(process.execPath, args);
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        fullMs: number;
        addOneMs: number;
        repoDir: string;
        database: string;
      };
      if (result.database !== database) throw new Error(`stubbuild ran on ${result.database}, not ${database}`);
      return { fullMs: result.fullMs, addOneMs: result.addOneMs, suiteDir: join(result.repoDir, 'dists', 'stubdom') };
    },
  };
}

/** What each tool published: the same index files, N+1 packages, a signature gpgv accepts. */
async function check(
  variant: Variant,
  m: Measurement,
  n: number,
  key: Key,
): Promise<{ packagesBytes: number; gzBytes: number; xzBytes?: number }> {
  const dir = join(m.suiteDir, 'main', 'binary-stubdom-amd64');
  const plain = await readFile(join(dir, 'Packages'));
  const gz = await readFile(join(dir, 'Packages.gz'));
  if (!gunzipSync(gz).equals(plain)) throw new Error(`${variant.name}: Packages.gz is not Packages`);
  // Only the benchmark's packages: a service publishes its toolchain's stub packages at start.
  const count = plain.toString('utf8').match(/^Package: libsyn/gm)?.length ?? 0;
  if (count !== n + 1) throw new Error(`${variant.name}: Packages lists ${count} packages, expected ${n + 1}`);
  let xzBytes: number | undefined;
  if (variant.xz) {
    const xz = await readFile(join(dir, 'Packages.xz'));
    if (!execFileSync('xz', ['-dc'], { input: xz, maxBuffer: 1 << 30 }).equals(plain))
      throw new Error(`${variant.name}: Packages.xz is not Packages`);
    xzBytes = xz.length;
  } else if (existsSync(join(dir, 'Packages.xz')) && variant.tool === 'aptly') {
    throw new Error(`${variant.name}: wrote Packages.xz`);
  }
  execFileSync('gpgv', ['--keyring', key.keyring, join(m.suiteDir, 'InRelease')], { stdio: 'ignore' });
  return { packagesBytes: plain.length, gzBytes: gz.length, ...(xzBytes !== undefined ? { xzBytes } : {}) };
}

// ---------------------------------------------------------------------------------------
// Summary

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const cell = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;

export interface Row {
  variant: string;
  tool: Variant['tool'];
  xz: boolean;
  database?: string;
  n: number;
  full: number[];
  addOne: number[];
  sizes?: { packagesBytes: number; gzBytes: number; xzBytes?: number };
}

function ratioLine(rows: Row[], n: number, against: 'aptly' | 'reprepro', database: string): string[] {
  const theirs = rows.find((r) => r.tool === against && r.n === n);
  const ours = rows.find((r) => r.tool === 'stubbuild' && r.n === n && r.database === database && r.xz === (against === 'reprepro'));
  if (!theirs || !ours) return [];
  const full = median(ours.full) / median(theirs.full);
  const one = median(ours.addOne) / median(theirs.addOne);
  return [`| ${n.toLocaleString('en')} | ${ours.variant} vs ${theirs.variant} | ${full.toFixed(3)} | ${one.toFixed(3)} |`];
}

/** How the line that opens the in-process tables in RESULTS.md begins. */
const GENERATED_BY = 'Generated by `npx tsx bench/publish/run.ts';

async function writeResults(rows: Row[], meta: Record<string, string>): Promise<void> {
  // A run that left the in-process variants out leaves their raw numbers as they were.
  const raw = tools.includes('in-process') ? 'results.json' : 'results-http.json';
  await writeFile(join(here, raw), `${JSON.stringify({ meta, rows }, null, 2)}\n`);
  const resultsFile = join(root, 'bench', 'RESULTS.md');
  let existing = await readFile(resultsFile, 'utf8').catch(() => '');
  if (!sectionOf(existing, HTTP_SECTION)) {
    // The headline's place, first after the title, before writeResultsSection fills it.
    const [title, ...rest] = existing.split('\n');
    existing = [title, '', `<!-- bench:${HTTP_SECTION}:start -->`, `<!-- bench:${HTTP_SECTION}:end -->`, ...rest].join('\n');
    await writeFile(resultsFile, existing);
  }
  if (tools.includes('http')) await writeHttpHeadline(resultsFile, rows, meta, runs);
  // The in-process tables are rewritten only by a run that measured them.
  if (!tools.includes('in-process')) return;
  // The HTTP headline (its own section, written above) stays first.
  const current = await readFile(resultsFile, 'utf8').catch(() => '');
  const headline = sectionOf(current, HTTP_SECTION) ?? '';
  // Hand-written notes on the headline, between its section and these tables, stay with it.
  const headlineNotes = headline
    ? current
        .slice(current.indexOf(headline) + headline.length)
        .split(GENERATED_BY)[0]!
        .trim()
    : '';
  const lines: string[] = [
    '# Publishing benchmark results',
    '',
    headline,
    '',
    ...(headlineNotes ? [headlineNotes, ''] : []),
    `${GENERATED_BY} ${process.argv.slice(2).join(' ')}\` on ${meta.date}. Raw numbers: \`bench/publish/results.json\`.`,
    '',
    '## Machine and versions',
    '',
    ...Object.entries(meta).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Medians (min–max) of wall-clock time',
    '',
    `${runs} runs of each; the tools' runs interleaved. "full": an empty repository to N packages, published and signed. "add one": one more package added, republished, signed.`,
    '',
    '| N | tool (index files) | database | full | add one | Packages / .gz / .xz bytes |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const s = r.sizes ? `${r.sizes.packagesBytes} / ${r.sizes.gzBytes} / ${r.sizes.xzBytes ?? '–'}` : '';
    lines.push(
      `| ${r.n.toLocaleString('en')} | ${r.variant} | ${r.database ?? '(own files)'} | ${cell(r.full)} | ${cell(r.addOne)} | ${s} |`,
    );
  }
  lines.push(
    '',
    '## Ratios of medians (stubbuild ÷ other tool; below 1 is faster)',
    '',
    '| N | comparison | full | add one |',
    '|---|---|---|---|',
  );
  for (const database of databases) {
    for (const n of sizes) lines.push(...ratioLine(rows, n, 'aptly', database), ...ratioLine(rows, n, 'reprepro', database));
  }
  lines.push('', '## Targets (10,000 packages, against aptly, same run)', '');
  for (const database of databases) {
    const theirs = rows.find((r) => r.tool === 'aptly' && r.n === 10000);
    const ours = rows.find((r) => r.tool === 'stubbuild' && r.n === 10000 && r.database === database && !r.xz);
    if (!theirs || !ours) continue;
    const one = median(ours.addOne) / median(theirs.addOne);
    const full = median(ours.full) / median(theirs.full);
    lines.push(
      `- ${database}: add one to 10,000 in at most a tenth of aptly's time: ${fmt(median(ours.addOne))} vs ${fmt(median(theirs.addOne))}, ratio ${one.toFixed(3)} — **${one <= 0.1 ? 'met' : 'not met'}**.`,
      `- ${database}: full publish of 10,000 in at most half of aptly's time: ${fmt(median(ours.full))} vs ${fmt(median(theirs.full))}, ratio ${full.toFixed(3)} — **${full <= 0.5 ? 'met' : 'not met'}**.`,
    );
  }
  lines.push('', '<!-- analysis -->', '');
  // Keep the hand-written analysis that follows the marker in an earlier RESULTS.md.
  let analysis = existing.includes('<!-- analysis -->') ? existing.split('<!-- analysis -->')[1]!.trimStart() : '';
  if (headline) analysis = analysis.replace(headline, '').trimStart();
  await writeFile(resultsFile, lines.join('\n') + analysis);
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  for (const tool of [...['reprepro', 'aptly'].filter((t) => tools.includes(t)), 'gpg', 'gpgv', 'xz']) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed (apt-get install -y reprepro aptly)`);
    }
  }
  await mkdir(benchDir, { recursive: true });
  const key = await makeKey();
  const extra = await writeSyntheticDeb(join(benchDir, 'extra'), { name: 'libsynextra', version: '1.0-1' });
  const variants: Variant[] = [
    ...(tools.includes('reprepro') ? [reprepro] : []),
    ...(tools.includes('aptly') ? [aptly] : []),
    ...(tools.includes('http') ? databases.map((d) => stubbuildHttp(d)) : []),
    ...(tools.includes('in-process') ? databases.flatMap((d) => [stubbuild(d, true), stubbuild(d, false)]) : []),
  ];

  const meta: Record<string, string> = {
    'load at start': (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
    date: new Date().toISOString(),
    cpu: `${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} cores`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    kernel: os.release(),
    node: process.version,
    reprepro: (() => {
      if (!tools.includes('reprepro')) return 'not run';
      const out = spawnSync('reprepro', ['--version'], { encoding: 'utf8' });
      return `${out.stdout}${out.stderr}`.trim().split('\n')[0] ?? '';
    })(),
    aptly: tools.includes('aptly') ? execFileSync('aptly', ['version'], { encoding: 'utf8' }).trim() : 'not run',
    postgresql: databases.includes('postgres')
      ? execFileSync('psql', [serverUrl, '-Atc', 'show server_version'], { encoding: 'utf8' }).trim()
      : 'not used',
    'benchmark work directory': `${benchDir} (${execFileSync('df', ['--output=fstype,source', benchDir], { encoding: 'utf8' }).trim().split('\n')[1]})`,
    load: `load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  };

  const debDirs = new Map<number, string>();
  for (const n of sizes) debDirs.set(n, await ensureDebs(n));
  if (await removeRunLeftovers()) {
    log(`removed an earlier run's files; waiting ${INODE_RECENTCY_MS / 1000} s for the deletions to age (see INODE_RECENTCY_MS)`);
    execFileSync('sync');
    await new Promise((r) => setTimeout(r, INODE_RECENTCY_MS));
  }

  const rows: Row[] = [];
  for (const n of sizes) {
    const debDir = debDirs.get(n)!;
    const byVariant = new Map<Variant, Row>(
      variants.map((v) => [
        v,
        { variant: v.name, tool: v.tool, xz: v.xz, ...(v.database ? { database: v.database } : {}), n, full: [], addOne: [] },
      ]),
    );
    for (let r = 1; r <= runs; r++) {
      for (const v of variants) {
        const work = join(benchLayout(benchDir).runsDir, `${v.tool}-${v.database ?? 'own'}-${v.xz ? 'xz' : 'gz'}-${n}-${r}`);
        const m = await v.measure(debDir, extra, work, key);
        const row = byVariant.get(v)!;
        row.sizes = await check(v, m, n, key);
        row.full.push(m.fullMs);
        row.addOne.push(m.addOneMs);
        log(`N=${n} run ${r} ${v.name}: full ${fmt(m.fullMs)}, add one ${fmt(m.addOneMs)}`);
      }
    }
    rows.push(...byVariant.values());
    meta.load += `; after N=${n}: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`;
    await writeResults(rows, meta);
  }
  await writeResults(rows, meta);
  log("removing the runs' files and databases (start the next benchmark in 6 minutes, see INODE_RECENTCY_MS)");
  await removeRunLeftovers();
  // The throwaway key's agent is not needed any more.
  spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: key.gnupgHome } });
  log(`wrote bench/RESULTS.md and bench/publish/${tools.includes('in-process') ? 'results.json' : 'results-http.json'}`);
}

await main();
