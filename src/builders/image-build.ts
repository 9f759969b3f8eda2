// Builds the builder image of one architecture profile through dockerode: a Debian base
// (debian:<suite> from a registry, or a debootstrap root file system imported once and kept
// as a local tag), then the recipe in ./image-recipe packed as a tar context.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { ArchProfile } from './arch-profile.ts';
import { resolveToolchainSource, ToolchainSourceError, type ToolchainSource } from './toolchain-source.ts';

export const defaultRecipeDir = fileURLToPath(new URL('./image-recipe/', import.meta.url));
export const defaultPortsDir = fileURLToPath(new URL('../../ports/', import.meta.url));

export type BaseKind = 'registry' | 'debootstrap';

export interface BuildBuilderImageOptions {
  docker: Docker;
  profile: ArchProfile;
  base: BaseKind;
  /** Debian mirror for the base and the image's apt sources; default: the profile's. */
  mirror?: string;
  recipeDir?: string;
  portsDir?: string;
  /**
   * rumprun: the source to build the toolchain from, a snapshot `.tar.xz` or an unpacked tree,
   * packed into the context. Default: the flavor's snapshot (`flavors/<flavor>/source.json`).
   */
  toolchainSource?: string;
  noCache?: boolean;
}

export type ImageBuildProgress =
  | { kind: 'phase'; phase: 'base' | 'source' | 'context' | 'build'; message: string }
  | { kind: 'base-output'; line: string }
  | { kind: 'step'; step: number; total: number; instruction: string }
  | { kind: 'cached'; step: number }
  | { kind: 'output'; line: string };

export interface BuiltImage {
  tag: string;
  id: string;
  baseImage: string;
  recipeHash: string;
  /** steps whose cache was used, out of all steps */
  cachedSteps: number;
  totalSteps: number;
}

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
  constructor(
    message: string,
    readonly lastOutput: string[] = [],
  ) {
    super(message);
  }
}

/** Builds (or refreshes from cache) the image named by `profile.image`. */
export async function buildBuilderImage(
  opts: BuildBuilderImageOptions,
  onProgress: (event: ImageBuildProgress) => void = () => {},
): Promise<BuiltImage> {
  const { docker, profile } = opts;
  const source = await findToolchainSource(opts);
  if (source) {
    onProgress({
      kind: 'phase',
      phase: 'source',
      message:
        source.kind === 'tarball'
          ? `toolchain source ${source.path} (sha256 ${source.sha256.slice(0, 12)}… as recorded)`
          : `toolchain source: the tree ${source.path}`,
    });
  }
  const mirror = opts.mirror ?? profile.debian.mirror;
  const baseImage =
    opts.base === 'debootstrap'
      ? await ensureDebootstrapBase(docker, profile.debian.suite, mirror, onProgress)
      : await ensureRegistryBase(docker, `debian:${profile.debian.suite}`, onProgress);

  onProgress({ kind: 'phase', phase: 'context', message: 'packing the build context' });
  const entries = await collectContext(opts, source);
  const buildargs: Record<string, string> = {
    BASE_IMAGE: baseImage,
    SUITE: profile.debian.suite,
    MIRROR: mirror,
    SECURITY_MIRROR: profile.debian.securityMirror,
    ARCH: profile.arch,
    TRIPLET: profile.triplet,
    FLAVOR: profile.flavor,
  };
  const recipeHash = hashContext(entries, buildargs);
  buildargs.RECIPE_HASH = recipeHash;

  onProgress({ kind: 'phase', phase: 'build', message: `building ${profile.image} on ${baseImage}` });
  const stream = await docker.buildImage(packContext(entries), {
    t: profile.image,
    buildargs,
    rm: true,
    forcerm: true,
    nocache: opts.noCache ?? false,
    version: '1',
  });
  const result = await followBuild(docker, stream, onProgress);
  // Docker keeps a stage's result only as an untagged image, which `docker image prune` removes;
  // the toolchain stage is most of a cold build, so it gets a tag. From the cache: no step runs.
  const keptAs = toolchainTag(profile.image);
  onProgress({ kind: 'phase', phase: 'build', message: `tagging the toolchain stage ${keptAs}, so that docker image prune keeps it` });
  const stage = await docker.buildImage(packContext(entries), {
    t: keptAs,
    target: 'toolchain',
    buildargs,
    rm: true,
    forcerm: true,
    version: '1',
  });
  await followBuild(docker, stage, () => {});
  const image = await docker.getImage(profile.image).inspect();
  return { tag: profile.image, id: image.Id, baseImage, recipeHash, ...result };
}

/** The tag of an image's toolchain stage: `<image>-toolchain`, or `<image>:toolchain` when it has no tag. */
export function toolchainTag(image: string): string {
  return image.lastIndexOf(':') > image.lastIndexOf('/') ? `${image}-toolchain` : `${image}:toolchain`;
}

/** The image the service would run for `profile`, or undefined when it is not built. */
export async function findBuilderImage(
  docker: Docker,
  profile: ArchProfile,
): Promise<{ id: string; recipeHash: string | undefined } | undefined> {
  try {
    const image = await docker.getImage(profile.image).inspect();
    return { id: image.Id, recipeHash: image.Config?.Labels?.['org.stubbuild.recipe-hash'] };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** The recipe hash a build of `opts` would carry, without building (to tell a stale image). */
export async function computeRecipeHash(opts: Omit<BuildBuilderImageOptions, 'docker' | 'base'> & { base: BaseKind }): Promise<string> {
  const mirror = opts.mirror ?? opts.profile.debian.mirror;
  const baseImage = opts.base === 'debootstrap' ? debootstrapTag(opts.profile.debian.suite, mirror) : `debian:${opts.profile.debian.suite}`;
  const entries = await collectContext(opts, await findToolchainSource(opts));
  return hashContext(entries, {
    BASE_IMAGE: baseImage,
    SUITE: opts.profile.debian.suite,
    MIRROR: mirror,
    SECURITY_MIRROR: opts.profile.debian.securityMirror,
    ARCH: opts.profile.arch,
    TRIPLET: opts.profile.triplet,
    FLAVOR: opts.profile.flavor,
  });
}

// ---- base images -----------------------------------------------------------------------------

export function debootstrapTag(suite: string, mirror: string): string {
  const mirrorHash = createHash('sha256').update(mirror).digest('hex').slice(0, 12);
  return `stubbuild/debootstrap-${suite}:minbase-${mirrorHash}`;
}

export async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

async function ensureRegistryBase(docker: Docker, name: string, onProgress: (event: ImageBuildProgress) => void): Promise<string> {
  if (await imageExists(docker, name)) {
    onProgress({ kind: 'phase', phase: 'base', message: `base ${name} is present` });
    return name;
  }
  onProgress({ kind: 'phase', phase: 'base', message: `pulling ${name}` });
  try {
    const stream = await docker.pull(name);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve()));
    });
  } catch (error) {
    throw new ImageBuildError(`cannot pull ${name} (${(error as Error).message}); where no registry is reachable use --base debootstrap`);
  }
  return name;
}

/** debootstrap (minbase) from the mirror, imported with `docker import`, cached as a local tag. */
async function ensureDebootstrapBase(
  docker: Docker,
  suite: string,
  mirror: string,
  onProgress: (event: ImageBuildProgress) => void,
): Promise<string> {
  const tag = debootstrapTag(suite, mirror);
  if (await imageExists(docker, tag)) {
    onProgress({ kind: 'phase', phase: 'base', message: `reusing base ${tag}` });
    return tag;
  }
  if (process.getuid?.() !== 0) {
    throw new ImageBuildError(`debootstrap needs root to make the base ${tag}; run as root once (it is cached)`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-rootfs-'));
  const root = path.join(dir, 'root');
  try {
    onProgress({ kind: 'phase', phase: 'base', message: `debootstrap --variant=minbase ${suite} from ${mirror}` });
    await runLogged('debootstrap', ['--variant=minbase', suite, root, mirror], (line) => onProgress({ kind: 'base-output', line }));
    // Nothing of the host's run time goes into the image.
    await runLogged('sh', ['-c', 'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log', 'clean', root], () => {});
    onProgress({ kind: 'phase', phase: 'base', message: `docker import as ${tag}` });
    const tarProcess = spawn('tar', ['--numeric-owner', '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tarExit = new Promise<number>((resolve) => tarProcess.on('close', (code) => resolve(code ?? 1)));
    const [repo, tagName] = splitTag(tag);
    const stream = await docker.importImage(tarProcess.stdout, { repo, tag: tagName });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve()));
    });
    if ((await tarExit) !== 0) throw new ImageBuildError('tar of the debootstrap root failed');
    if (!(await imageExists(docker, tag))) throw new ImageBuildError(`docker import did not create ${tag}`);
    return tag;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function splitTag(name: string): [string, string] {
  const colon = name.lastIndexOf(':');
  return [name.slice(0, colon), name.slice(colon + 1)];
}

function runLogged(command: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const feed = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (error) => reject(new ImageBuildError(`${command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new ImageBuildError(`${command} exited with ${code}`, tail));
    });
  });
}

// ---- context ---------------------------------------------------------------------------------

interface ContextEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  /** file: source path on disk, or inline content */
  source?: string;
  content?: Buffer;
  linkname?: string;
  size: number;
  mtimeMs?: number;
  /** a streamed file whose content hash is known (stands for it in the recipe hash) */
  contentHash?: string;
}

const smallFileBytes = 1024 * 1024;

async function findToolchainSource(
  opts: Pick<BuildBuilderImageOptions, 'profile' | 'recipeDir' | 'toolchainSource'>,
): Promise<ToolchainSource | undefined> {
  try {
    return await resolveToolchainSource({
      recipeDir: opts.recipeDir ?? defaultRecipeDir,
      flavor: opts.profile.flavor,
      explicit: opts.toolchainSource,
    });
  } catch (error) {
    if (error instanceof ToolchainSourceError) throw new ImageBuildError(error.message);
    throw error;
  }
}

async function collectContext(
  opts: Omit<BuildBuilderImageOptions, 'docker'>,
  source: ToolchainSource | undefined,
): Promise<ContextEntry[]> {
  const recipeDir = opts.recipeDir ?? defaultRecipeDir;
  const portsDir = opts.portsDir ?? defaultPortsDir;
  const entries: ContextEntry[] = [];
  await walk(recipeDir, 'recipe', entries);
  const dockerfile = entries.find((entry) => entry.name === 'recipe/Dockerfile');
  if (!dockerfile?.content) throw new ImageBuildError(`no Dockerfile in ${recipeDir}`);
  entries.push({ ...dockerfile, name: 'Dockerfile' });
  entries.push({ name: 'ports', type: 'directory', mode: 0o755, size: 0 });
  await walk(portsDir, 'ports', entries).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  const inline = (name: string, text: string) =>
    entries.push({ name, type: 'file', mode: 0o644, content: Buffer.from(text), size: Buffer.byteLength(text) });
  inline('arch/dpkg/ostable', `${opts.profile.dpkg.ostable}\n`);
  inline('arch/dpkg/tupletable', `${opts.profile.dpkg.tupletable}\n`);
  inline('arch/profile.json', `${JSON.stringify(opts.profile, null, 2)}\n`);
  if (source?.kind === 'tarball') {
    // hashed by content: the sha256 was just checked
    const name = `toolchain-src/${path.basename(source.path)}`;
    entries.push({ name: 'toolchain-src', type: 'directory', mode: 0o755, size: 0 });
    entries.push({ name, type: 'file', mode: 0o644, source: source.path, size: source.size, contentHash: source.sha256 });
  } else if (source?.kind === 'tree') {
    // a whole source tree (hundreds of MB): streamed when packing, never held in memory
    await walk(source.path, 'toolchain-src', entries, 0);
  } else {
    inline('toolchain-src/README', 'The newlib flavor builds from Debian packages; nothing here.\n');
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function walk(dir: string, prefix: string, out: ContextEntry[], inlineBytes = smallFileBytes): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const full = path.join(dir, name);
    const rel = `${prefix}/${name}`;
    const info = await lstat(full);
    if (info.isSymbolicLink()) {
      out.push({ name: rel, type: 'symlink', mode: 0o777, linkname: await readlink(full), size: 0 });
    } else if (info.isDirectory()) {
      out.push({ name: rel, type: 'directory', mode: 0o755, size: 0 });
      await walk(full, rel, out, inlineBytes);
    } else if (info.isFile()) {
      // Only the executable bit matters; owner, group and mtime are fixed so the cache holds.
      // Small files (the recipe, ports) are read now and hashed by content; big ones, and all
      // of a toolchain source tree, are streamed when packing and hashed by size and mtime.
      const mode = info.mode & 0o111 ? 0o755 : 0o644;
      if (info.size <= inlineBytes) {
        out.push({ name: rel, type: 'file', mode, content: await readFile(full), size: info.size });
      } else {
        out.push({ name: rel, type: 'file', mode, source: full, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  }
}

function hashContext(entries: ContextEntry[], buildargs: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const [key, value] of Object.entries(buildargs).sort()) hash.update(`arg ${key}=${value}\n`);
  for (const entry of entries) {
    hash.update(`${entry.type} ${entry.name} ${entry.mode.toString(8)} ${entry.size} ${entry.linkname ?? ''}\n`);
    if (entry.content) hash.update(entry.content);
    else if (entry.contentHash) hash.update(`sha256 ${entry.contentHash}\n`);
    else if (entry.source) hash.update(`${entry.mtimeMs ?? 0}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

function packContext(entries: ContextEntry[]): NodeJS.ReadableStream {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const entry of entries) {
        const header = { name: entry.name, mode: entry.mode, uid: 0, gid: 0, mtime: new Date(0) };
        if (entry.type === 'directory') {
          pack.entry({ ...header, type: 'directory' });
        } else if (entry.type === 'symlink') {
          pack.entry({ ...header, type: 'symlink', linkname: entry.linkname ?? '' });
        } else if (entry.content) {
          pack.entry({ ...header, size: entry.content.length }, entry.content);
        } else if (entry.source) {
          const sink = pack.entry({ ...header, size: entry.size });
          await pipeline(createReadStream(entry.source), sink);
        }
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  // tar-stream 3 packs into a streamx Readable; docker-modem only pipes it.
  return pack as unknown as NodeJS.ReadableStream;
}

// ---- progress --------------------------------------------------------------------------------

interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

function followBuild(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onProgress: (event: ImageBuildProgress) => void,
): Promise<{ cachedSteps: number; totalSteps: number }> {
  let step = 0;
  let total = 0;
  let cachedSteps = 0;
  const tail: string[] = [];
  let failure: string | undefined;
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error) => {
        if (error) reject(new ImageBuildError(`image build failed: ${error.message}`, tail));
        else if (failure) reject(new ImageBuildError(`image build failed at step ${step}/${total}: ${failure}`, tail));
        else resolve({ cachedSteps, totalSteps: total });
      },
      (message: BuildMessage) => {
        if (message.error || message.errorDetail) {
          failure = message.errorDetail?.message ?? message.error ?? 'unknown error';
          return;
        }
        if (!message.stream) return;
        for (const raw of message.stream.split('\n')) {
          const line = raw.trimEnd();
          if (!line) continue;
          const stepMatch = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
          if (stepMatch) {
            step = Number(stepMatch[1]);
            total = Number(stepMatch[2]);
            onProgress({ kind: 'step', step, total, instruction: stepMatch[3] ?? '' });
            continue;
          }
          if (line.trim() === '---> Using cache') {
            cachedSteps += 1;
            onProgress({ kind: 'cached', step });
            continue;
          }
          if (/^ ---> [0-9a-f]{12}$/.test(line) || /^ ---> Running in /.test(line) || /^Removing intermediate container/.test(line)) {
            continue;
          }
          tail.push(line);
          if (tail.length > 60) tail.shift();
          onProgress({ kind: 'output', line });
        }
      },
    );
  });
}
