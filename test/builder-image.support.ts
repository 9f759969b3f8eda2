// Shared by the builder-image tests: the image (reused when present), `docker run` the way an
// operator would (no service), and a throwaway signed file: repository.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import * as openpgp from 'openpgp';
import type { ArchProfile } from '../src/builders/arch-profile.ts';
import { loadProfile, loadStubdomProfile, repoRoot } from './helpers/stubdom-arches.ts';

export { loadProfile, loadStubdomProfile, repoRoot };
import { buildBuilderImage, computeRecipeHash, findBuilderImage } from '../src/builders/image-build.ts';
import { isProcessAlive } from '../src/process-alive.ts';
import { waitFor } from './helpers/wait-for.ts';

export const fixturesDir = path.join(repoRoot, 'test/fixtures/sources');

/**
 * The builder image of `arch`: reused when present and built from the current recipe;
 * built (debootstrap base, layer cache) when missing or stale. Says which on stdout.
 * A rumprun image builds its toolchain from RUMPRUN_SRC or the flavor's snapshot.
 */
export async function ensureBuilderImage(arch = 'stubdom-amd64'): Promise<{ profile: ArchProfile; tag: string; id: string }> {
  // test files run in parallel: one builds, the others wait and then reuse
  const release = await lock(path.join(os.tmpdir(), `stubbuild-builder-image-${arch}.lock`));
  try {
    return await ensureBuilderImageLocked(arch);
  } finally {
    await release();
  }
}

async function lock(dir: string): Promise<() => Promise<void>> {
  const holder = () => readFile(path.join(dir, 'pid'), 'utf8').then(Number, () => 0);
  await waitFor(
    `the lock ${dir}`,
    async () => {
      try {
        await mkdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const pid = await holder();
        if (pid && !isProcessAlive(pid)) await rm(dir, { recursive: true, force: true });
        return false;
      }
      await writeFile(path.join(dir, 'pid'), String(process.pid));
      return true;
    },
    // Another process builds the image meanwhile, which may take long (a cold rumprun toolchain
    // takes about half an hour on two cores); a new holder is progress.
    { progress: holder, stallMs: 60 * 60_000, intervalMs: 500 },
  );
  return () => rm(dir, { recursive: true, force: true });
}

async function ensureBuilderImageLocked(arch: string): Promise<{ profile: ArchProfile; tag: string; id: string }> {
  const profile = await loadProfile(arch);
  const docker = new Docker();
  const toolchainSource = process.env.RUMPRUN_SRC || undefined;
  const wanted = await computeRecipeHash({ profile, base: 'debootstrap', toolchainSource });
  const found = await findBuilderImage(docker, profile);
  if (found && found.recipeHash === wanted) {
    console.log(`reusing image ${profile.image} (id ${shortId(found.id)})`);
    return { profile, tag: profile.image, id: found.id };
  }
  console.log(`building image ${profile.image} (${found ? `present one has recipe ${found.recipeHash}, want ${wanted}` : 'not present'})`);
  const started = Date.now();
  const built = await buildBuilderImage({ docker, profile, base: 'debootstrap', toolchainSource }, (event) => {
    if (event.kind === 'step') console.log(`  step ${event.step}/${event.total} ${event.instruction.slice(0, 80)}`);
    if (event.kind === 'phase' && event.phase === 'source') console.log(`  ${event.message}`);
  });
  console.log(
    `built image ${built.tag} (id ${shortId(built.id)}, ${built.cachedSteps}/${built.totalSteps} steps cached) in ${((Date.now() - started) / 60_000).toFixed(1)} min`,
  );
  return { profile, tag: built.tag, id: built.id };
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * `image` with the build machine's cmake installed (from the Debian mirror, the way a build's
 * dependency step installs it), for the toolchain contract's CMake checks: built once per image
 * and reused.
 */
export async function ensureImageWithCMake(image: { id: string }): Promise<string> {
  const tag = `stubbuild-test/with-cmake:${shortId(image.id)}`;
  if ((await run('docker', ['image', 'inspect', tag])).code === 0) return tag;
  const dockerfile = [
    `FROM ${image.id}`,
    'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends cmake make && rm -rf /var/lib/apt/lists/*',
    '',
  ].join('\n');
  const built = await run('docker', ['build', '-q', '-t', tag, '-'], { input: Buffer.from(dockerfile) });
  if (built.code !== 0) throw new Error(`installing cmake into ${shortId(image.id)} failed (${built.code}): ${built.stderr.slice(-2000)}`);
  return tag;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; `input` is piped to its stdin (a Buffer, or another command's stdout). It is
 * killed once it has printed nothing for `stallMs` (default 10 minutes): a slow build still
 * prints, a hung one does not. */
export function run(
  command: string,
  args: string[],
  options: { input?: Buffer | RunInput; stallMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env, cwd: options.cwd });
    const stallMs = options.stallMs ?? 600_000;
    let stdout = '';
    let stderr = '';
    let stalled = false;
    const timer = setTimeout(() => {
      stalled = true;
      child.kill('SIGKILL');
    }, stallMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      timer.refresh();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      timer.refresh();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (stalled) stderr += `\n(killed: no output for ${stallMs} ms)`;
      resolve({ code: code ?? -1, stdout, stderr });
    });
    const input = options.input;
    if (Buffer.isBuffer(input)) {
      child.stdin.end(input);
    } else if (input) {
      const producer = spawn(input.command, input.args, { stdio: ['ignore', 'pipe', 'inherit'] });
      producer.stdout.pipe(child.stdin);
    } else {
      child.stdin.end();
    }
  });
}
export interface RunInput {
  command: string;
  args: string[];
}

/** A tar of a folder, as `docker run -i` gets it on stdin. */
export function tarOf(dir: string): RunInput {
  return { command: 'tar', args: ['-C', path.dirname(dir), '-c', path.basename(dir)] };
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `stubbuild-${prefix}-`));
  await chmod(dir, 0o755);
  return dir;
}

/**
 * Runs a shell script in a fresh container of `imageTag` as its build user, in /tmp, without
 * network (`extra`: more `docker run` options); its stdout trimmed.
 */
export async function builderShell(
  imageTag: string,
  script: string,
  extra: string[] = [],
): Promise<{ code: number; out: string; err: string }> {
  const result = await run('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '--user',
    'builder',
    '--workdir',
    '/tmp',
    ...extra,
    '--entrypoint',
    '/bin/sh',
    imageTag,
    '-c',
    script,
  ]);
  return { code: result.code, out: result.stdout.trim(), err: result.stderr };
}

/**
 * Downloads a Debian source package (`apt-get source` of `spec`, e.g. `zlib=1:1.2.13.dfsg-1` or
 * `openssl/bookworm`, from the mirror the image's deb-src lines name) into `dir`, in a container
 * of `imageTag`.
 */
export async function downloadDebianSource(imageTag: string, spec: string, dir: string): Promise<void> {
  const download = await run('docker', [
    'run',
    '--rm',
    '-v',
    `${dir}:/src`,
    '--entrypoint',
    'sh',
    imageTag,
    '-c',
    `set -e; apt-get update -qq; chown _apt /src; cd /src; apt-get source --download-only -qq ${spec}`,
  ]);
  if (download.code !== 0) throw new Error(`apt-get source ${spec} failed (${download.code}): ${download.stderr}`);
}

/** Copies a fixture source tree so a test can vary it. */
export async function copyFixture(name: string, into: string): Promise<string> {
  const target = path.join(into, name);
  await cp(path.join(fixturesDir, name), target, { recursive: true });
  return target;
}

export interface StubdomRepo {
  dir: string;
  keyFile: string;
}

/**
 * A signed file: repository (`stubdom main`, binary-<arch>) holding the essential
 * packages kept in the image plus `extraDebs`. Indexed by dpkg-scanpackages inside the image,
 * the Release signed here with a throwaway OpenPGP key (apt checks it with signed-by).
 */
export async function makeStubdomRepo(image: string, profile: ArchProfile, extraDebs: string[] = []): Promise<StubdomRepo> {
  const dir = await tempDir('repo');
  const pool = path.join(dir, 'pool/main');
  await mkdir(pool, { recursive: true });
  for (const deb of extraDebs) await cp(deb, path.join(pool, path.basename(deb)));
  const binaryDir = `dists/stubdom/main/binary-${profile.arch}`;
  const script = [
    'set -e',
    'cp /usr/share/stubbuild/essential/*.deb /repo/pool/main/',
    `mkdir -p /repo/${binaryDir}`,
    `cd /repo && dpkg-scanpackages -m pool /dev/null > ${binaryDir}/Packages`,
  ].join('\n');
  const indexed = await run('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${dir}:/repo`,
    '--entrypoint',
    'sh',
    image,
    '-c',
    script,
  ]);
  if (indexed.code !== 0) throw new Error(`dpkg-scanpackages failed: ${indexed.stderr}`);

  const packages = await readFile(path.join(dir, binaryDir, 'Packages'));
  const release = [
    'Origin: stubbuild-test',
    'Label: stubbuild-test',
    'Suite: stubdom',
    'Codename: stubdom',
    `Date: ${new Date().toUTCString().replace('GMT', 'UTC')}`,
    `Architectures: ${profile.arch}`,
    'Components: main',
    'SHA256:',
    ` ${createHash('sha256').update(packages).digest('hex')} ${packages.length} main/binary-${profile.arch}/Packages`,
    '',
  ].join('\n');
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'stubbuild test repository' }],
    format: 'armored',
  });
  const signingKey = await openpgp.readPrivateKey({ armoredKey: privateKey });
  const inRelease = await openpgp.sign({
    message: await openpgp.createCleartextMessage({ text: release }),
    signingKeys: signingKey,
  });
  await writeFile(path.join(dir, 'dists/stubdom/Release'), release);
  await writeFile(path.join(dir, 'dists/stubdom/InRelease'), inRelease);
  const keyDir = await tempDir('repo-key');
  const keyFile = path.join(keyDir, 'stubdom-repo.asc');
  await writeFile(keyFile, publicKey);
  return { dir, keyFile };
}

export interface BuildRun {
  outcome: Outcome;
  outDir: string;
  deps?: RunResult;
  build?: RunResult;
}

export interface Outcome {
  schema: number;
  outcome: 'built' | 'dep-wait' | 'failed';
  reason?: string;
  message?: string;
  unmet?: string[];
  relations?: string[];
  log?: string;
  logTail?: string;
  source: { package: string; version: string; originalVersion: string; dsc: string; files: string[] } | null;
  artifacts?: { debs: string[]; buildinfo: string; changes: string; sourceDir: string };
  provenance: {
    imageId: string | null;
    recipeHash: string;
    toolchain: Record<string, unknown>;
    port: { name: string; revision: number; sha256: string } | null;
  };
}

/**
 * One build with `docker run` alone, the way the service will run it:
 *  twoStep: `deps` with network (the mirror), then `build` with --network none;
 *  otherwise `all` in one container.
 * The source is a tar on stdin (`source.tar`) or a folder mounted read-only (`source.dir`).
 */
export async function runStubbuildBuild(options: {
  image: { tag: string; id: string; profile: ArchProfile };
  source: { tar: RunInput } | { dir: string };
  repo?: StubdomRepo;
  twoStep: boolean;
  /** per docker run: how long it may print nothing; default 10 minutes */
  stallMs?: number;
  /** 'none': the Debian mirror out of reach, as when a network fails */
  network?: 'none';
}): Promise<BuildRun> {
  const { image } = options;
  const work = await tempDir('work');
  const outDir = await tempDir('out');
  const common = [
    '--rm',
    '-v',
    `${work}:/work`,
    '-v',
    `${outDir}:/out`,
    '-e',
    `STUBBUILD_IMAGE_ID=${image.id}`,
    '--memory',
    `${image.profile.limits.memoryMiB}m`,
    '--cpus',
    String(image.profile.limits.cpus),
    '--pids-limit',
    String(image.profile.limits.pids),
  ];
  if (options.network) common.push('--network', options.network);
  if (options.repo) {
    common.push('-v', `${options.repo.dir}:/srv/stubdom-repo:ro`, '-v', `${options.repo.keyFile}:/etc/stubbuild/stubdom-repo.asc:ro`);
  }
  const sourceArgs: string[] = [];
  let input: RunInput | undefined;
  if ('dir' in options.source) {
    common.push('-v', `${options.source.dir}:/srv/source:ro`);
    sourceArgs.push('--source', '/srv/source');
  } else {
    input = options.source.tar;
  }
  const result: BuildRun = { outcome: undefined as unknown as Outcome, outDir };
  try {
    if (options.twoStep) {
      result.deps = await run('docker', ['run', '-i', ...common, image.tag, 'deps', ...sourceArgs], {
        input,
        stallMs: options.stallMs,
      });
      const outcomeAfterDeps = await readOutcome(outDir);
      if (result.deps.code === 0 && !outcomeAfterDeps) {
        result.build = await run('docker', ['run', ...common, '--network', 'none', image.tag, 'build'], { stallMs: options.stallMs });
      }
    } else {
      result.build = await run('docker', ['run', '-i', ...common, image.tag, 'all', ...sourceArgs], {
        input,
        stallMs: options.stallMs,
      });
    }
    const outcome = await readOutcome(outDir);
    if (!outcome) {
      throw new Error(
        `no outcome.json; deps: ${result.deps?.code} ${result.deps?.stderr.slice(-2000)}\nbuild: ${result.build?.code} ${result.build?.stderr.slice(-2000)}`,
      );
    }
    result.outcome = outcome;
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readOutcome(outDir: string): Promise<Outcome | undefined> {
  try {
    return JSON.parse(await readFile(path.join(outDir, 'outcome.json'), 'utf8')) as Outcome;
  } catch {
    return undefined;
  }
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Control fields and file list of a .deb, read with dpkg-deb inside the image. */
export async function inspectDeb(image: string, deb: string): Promise<{ control: string; files: string[] }> {
  const name = path.basename(deb);
  const script = `dpkg-deb -f /debs/${name} && echo ---- && dpkg-deb -c /debs/${name} | awk '{print $6}'`;
  const result = await run('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${path.dirname(deb)}:/debs:ro`,
    '--entrypoint',
    'sh',
    image,
    '-c',
    script,
  ]);
  if (result.code !== 0) throw new Error(`dpkg-deb failed: ${result.stderr}`);
  const [control = '', files = ''] = result.stdout.split('----\n');
  return { control, files: files.split('\n').filter(Boolean) };
}
