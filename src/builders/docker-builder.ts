import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import Docker from 'dockerode';
import tar from 'tar-stream';
import type { AttemptOutcome, AttemptRequest, Builder, EngineStatus, FailureReason, RepositoryFile } from './builder.ts';
import { ArtifactsTooLargeError, collectArtifacts } from './collect-artifacts.ts';
import { DOCKER_CALL_TIMEOUT_MS, withDeadline } from './docker-deadline.ts';
import { describeEngineError, type EngineEndpoint } from './engine-error-detail.ts';
import { runStep, type StepOptions, type StepResult } from './docker-step.ts';
import { readOutcome } from './outcome-file.ts';

export const ATTEMPT_LABEL = 'org.stubbuild.attempt';
/** Where the image keeps the architecture's essential packages (image-recipe/Dockerfile). */
const ESSENTIAL_DIR = '/usr/share/stubbuild/essential';
export const JOB_LABEL = 'org.stubbuild.job';
export const ENGINE_LABEL = 'org.stubbuild.engine';
/** Which installation (database) started the container: engines may be shared between installations. */
export const INSTALLATION_LABEL = 'org.stubbuild.installation';
/** A volume kept across attempts (what it caches); the reaping of attempts' volumes leaves it. */
export const CACHE_LABEL = 'org.stubbuild.cache';
/**
 * The engine's cache of what dependency steps download from the Debian mirror (one per engine:
 * what is cached is the mirror's, checked against its signed indexes, whoever asked for it).
 */
export const APT_CACHE_VOLUME = 'stubbuild-apt-cache';
/** Where the dependency step, and only it, sees the cache (image-recipe/bin/apt-download-cache). */
const APT_CACHE_DIR = '/var/cache/stubbuild/apt';

// A build that hits the pids limit says so only through its processes' errors.
const FORK_FAILURE = /fork: (retry: )?Resource temporarily unavailable|Cannot fork|can't fork|fork failed/i;

/**
 * A tar stream of files under `prefix/` (their names may have folders), for putArchive. A file
 * that cannot be read (gone from the store) breaks the returned stream with an error naming it,
 * which the step reports (docker-step.ts); left on the packer, where nothing listens, that
 * error would end the process.
 */
function packFiles(prefix: string, files: readonly RepositoryFile[]): NodeJS.ReadableStream {
  const pack = tar.pack();
  void (async () => {
    let reading = '';
    try {
      for (const file of files) {
        if ('content' in file) {
          pack.entry({ name: `${prefix}/${file.name}`, mode: 0o644 }, file.content);
          continue;
        }
        reading = file.name;
        const { size } = await fs.promises.stat(file.path);
        const entry = pack.entry({ name: `${prefix}/${file.name}`, size, mode: 0o644 });
        await new Promise<void>((resolve, reject) => {
          fs.createReadStream(file.path).on('error', reject).pipe(entry).on('finish', resolve).on('error', reject);
        });
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(new Error(`cannot hand ${reading} to the container: ${error instanceof Error ? error.message : String(error)}`));
    }
  })();
  const out = new PassThrough();
  pipeline(pack, out, () => undefined);
  return out;
}

/** A Docker engine that runs attempts with the builder image's `stubbuild-build` entrypoint. */
export class DockerBuilder implements Builder {
  constructor(
    readonly id: string,
    readonly capacity: number,
    readonly docker: Docker,
    /** Deadline of each short call to the engine (docker-deadline.ts). */
    private readonly callTimeoutMs = DOCKER_CALL_TIMEOUT_MS,
    /** Where it is and with which certificates, for the health detail (engine-error-detail.ts). */
    readonly endpoint?: EngineEndpoint,
    /** The named volume of the download cache on this engine (created on demand). */
    readonly aptCacheVolume = APT_CACHE_VOLUME,
  ) {}

  /** One short call to the engine, under the deadline. */
  private call<T>(what: string, fn: (opts: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    return withDeadline(`engine ${this.id}: ${what}`, this.callTimeoutMs, fn);
  }

  async checkHealth(image: string): Promise<EngineStatus> {
    const status = { id: this.id, capacity: this.capacity };
    try {
      await this.call('ping', () => this.docker.ping());
    } catch (error) {
      return { ...status, healthy: false, detail: `engine unreachable: ${describeEngineError(error, this.endpoint)}` };
    }
    try {
      await this.call(`inspect image ${image}`, () => this.docker.getImage(image).inspect());
    } catch (error) {
      const statusCode = (error as { statusCode?: number }).statusCode;
      const detail =
        statusCode === 404
          ? `image ${image} is missing (stubbuild image build, or stubbuild image push --engine ${this.id})`
          : `cannot inspect image ${image}: ${error instanceof Error ? error.message : String(error)}`;
      return { ...status, healthy: false, detail };
    }
    return { ...status, healthy: true, detail: 'ok' };
  }

  async runAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
    let imageId: string;
    try {
      imageId = (await this.call(`inspect image ${request.image}`, () => this.docker.getImage(request.image).inspect())).Id;
    } catch (error) {
      return { kind: 'infrastructure', message: `image ${request.image} is not on engine ${this.id}: ${String(error)}` };
    }
    const key = `j${request.jobId}-a${request.attempt}-${randomBytes(3).toString('hex')}`;
    const labels = {
      [ATTEMPT_LABEL]: `${request.jobId}.${request.attempt}`,
      [JOB_LABEL]: String(request.jobId),
      [ENGINE_LABEL]: this.id,
      [INSTALLATION_LABEL]: request.installation,
    };
    const containers: Docker.Container[] = [];
    const volumes: string[] = [];
    let logBytes = 0;
    let forkFailed = false;
    const onLog = (chunk: Buffer) => {
      logBytes += chunk.length;
      if (FORK_FAILURE.test(chunk.toString('utf8'))) forkFailed = true;
      request.onLog(chunk);
    };
    try {
      // All at once (each round trip to the engine delays the build's start). Creating the
      // cache volume when it is there already changes nothing (its first labels stay).
      const [cache, ...made] = await Promise.allSettled([
        this.call('create the download cache volume', (opts) =>
          this.docker.createVolume({
            Name: this.aptCacheVolume,
            Labels: { [ENGINE_LABEL]: this.id, [INSTALLATION_LABEL]: request.installation, [CACHE_LABEL]: 'apt' },
            ...opts,
          }),
        ),
        ...['work', 'out'].map((name) =>
          this.call('create volume', (opts) => this.docker.createVolume({ Name: `stubbuild-${key}-${name}`, Labels: labels, ...opts })),
        ),
      ]);
      for (const v of made) if (v.status === 'fulfilled') volumes.push(v.value.name);
      for (const v of [cache!, ...made]) if (v.status === 'rejected') throw v.reason;
      const repository = request.repository;
      // The repository's files and key, into each step (the build installs the .debs the
      // dependency step resolved): the same whether the engine is this machine's or another's.
      const repositoryArchive = repository
        ? [
            {
              path: '/',
              what: 'the repository',
              tar: () =>
                packFiles('.', [
                  ...repository.files.map((f) => ({ ...f, name: `srv/stubdom-repo/${f.name}` })),
                  { name: 'etc/stubbuild/stubdom-repo.asc', path: repository.keyFile },
                ]),
            },
          ]
        : [];
      const common: Omit<StepOptions, 'name' | 'cmd' | 'network' | 'wallSeconds' | 'logBudget' | 'putArchives'> = {
        image: request.image,
        labels,
        env: [`STUBBUILD_IMAGE_ID=${imageId}`, ...(request.binNmu ? [`STUBBUILD_BINNMU=${request.binNmu}`] : [])],
        volumes: { [volumes[0]!]: '/work', [volumes[1]!]: '/out' },
        memoryMiB: request.limits.memoryMiB,
        cpus: request.limits.cpus,
        pids: request.limits.pids,
        noOutputSeconds: request.limits.noOutputSeconds,
        onLog,
        signal: request.signal,
        callTimeoutMs: this.callTimeoutMs,
      };
      const suite = repository?.suite ?? 'stubdom';

      // 1. Dependencies: the only step with a network, to the Debian mirror, and the only one
      // that sees the download cache.
      const deps = await runStep(this.docker, {
        ...common,
        env: [...common.env, `STUBBUILD_APT_CACHE=${APT_CACHE_DIR}`],
        volumes: { ...common.volumes, [this.aptCacheVolume]: APT_CACHE_DIR },
        name: `stubbuild-${key}-deps`,
        cmd: ['stubbuild-build', 'deps', '--source', '/srv/source', '--repo-suite', suite],
        network: 'bridge',
        wallSeconds: request.limits.dependenciesSeconds,
        logBudget: request.limits.maxLogBytes,
        putArchives: [{ path: '/srv', what: 'the source', tar: () => packFiles('source', request.source) }, ...repositoryArchive],
      });
      containers.push(deps.container);
      const afterDeps = this.judgeStep(deps, forkFailed);
      if (afterDeps) return afterDeps;
      if (deps.exitCode !== 0) return await this.readResult(deps.container, request, imageId);

      // 2. The build: no network at all; the entrypoint drops to the unprivileged build user.
      const build = await runStep(this.docker, {
        ...common,
        name: `stubbuild-${key}-build`,
        cmd: ['stubbuild-build', 'build', '--timeout', String(request.limits.buildSeconds)],
        network: 'none',
        // A little over the entrypoint's own timeout, so its clearer verdict comes first.
        wallSeconds: request.limits.buildSeconds + 60,
        logBudget: request.limits.maxLogBytes - logBytes,
        putArchives: repositoryArchive,
      });
      containers.push(build.container);
      const afterBuild = this.judgeStep(build, forkFailed);
      if (afterBuild) return afterBuild;
      return await this.readResult(build.container, request, imageId);
    } catch (error) {
      return { kind: 'infrastructure', message: `engine ${this.id}: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      // Left behind if the engine does not answer: reapOrphans removes them later.
      await Promise.all(
        containers.map((c) => this.call('remove container', (opts) => c.remove({ force: true, v: true, ...opts })).catch(() => undefined)),
      );
      await Promise.all(
        volumes.map((v) => this.call('remove volume', (opts) => this.docker.getVolume(v).remove(opts)).catch(() => undefined)),
      );
    }
  }

  /** A verdict from how the container ended, before looking at what it wrote. */
  private judgeStep(step: StepResult, forkFailed: boolean): AttemptOutcome | undefined {
    const failed = (reason: FailureReason, message: string): AttemptOutcome => ({ kind: 'failed', reason, message, provenance: null });
    if (step.stoppedBy === 'aborted') return { kind: 'aborted', message: 'the attempt was stopped' };
    // The engine stopped answering: whatever we stopped the step for, we cannot know how it
    // ended, so the package is not blamed.
    if (step.vanished) return { kind: 'infrastructure', message: step.vanished };
    switch (step.stoppedBy) {
      case 'wall-clock':
        return failed('timeout', 'the step ran over its wall-clock limit');
      case 'no-output':
        return failed('no-output', 'the step printed nothing for too long');
      case 'log-size':
        return failed('log-too-large', 'the log grew past its limit');
      default:
    }
    if (step.oomKilled) return failed('memory-limit', 'the build ran out of its memory limit and was killed');
    if (step.exitCode !== 0 && forkFailed) return failed('pids-limit', 'the build could not fork: it hit its process limit');
    // SIGKILL/SIGTERM that we did not send: someone or something killed the container.
    if (step.exitCode === 137 || step.exitCode === 143) {
      return { kind: 'infrastructure', message: `the container was killed from outside (exit ${step.exitCode})` };
    }
    return undefined;
  }

  private async readResult(container: Docker.Container, request: AttemptRequest, imageId: string): Promise<AttemptOutcome> {
    let artifacts;
    try {
      // Its length depends on the artifacts' size: a generous deadline; aborting it ends the stream.
      artifacts = await withDeadline(`engine ${this.id}: read the artifacts`, 10 * this.callTimeoutMs, async (opts) => {
        const archive = await container.getArchive({ path: '/out', ...opts });
        return collectArtifacts(archive as Readable, {
          root: 'out',
          dir: request.artifactDir,
          maxBytes: request.limits.maxArtifactBytes,
        });
      });
    } catch (error) {
      if (error instanceof ArtifactsTooLargeError) {
        return { kind: 'failed', reason: 'artifacts-too-large', message: error.message, provenance: null };
      }
      throw error;
    }
    const outcomeFile = path.join(request.artifactDir, 'outcome.json');
    const text = fs.existsSync(outcomeFile) ? await fs.promises.readFile(outcomeFile, 'utf8') : undefined;
    return readOutcome(text, artifacts, imageId);
  }

  async fetchEssentialPackages(image: string, destDir: string, installation: string): Promise<string[]> {
    const container = await this.call('create container', (opts) =>
      this.docker.createContainer({
        Image: image,
        Cmd: ['true'],
        Labels: { [ENGINE_LABEL]: this.id, [INSTALLATION_LABEL]: installation },
        ...opts,
      }),
    );
    try {
      const artifacts = await withDeadline(`engine ${this.id}: copy the essential packages`, 10 * this.callTimeoutMs, async (opts) => {
        const archive = (await container.getArchive({ path: ESSENTIAL_DIR, ...opts })) as Readable;
        return collectArtifacts(archive, { root: path.basename(ESSENTIAL_DIR), dir: destDir, maxBytes: 256 * 1024 * 1024 });
      });
      return artifacts.filter((a) => a.kind === 'deb').map((a) => path.join(destDir, a.name));
    } finally {
      await this.call('remove container', (opts) => container.remove({ force: true, ...opts })).catch(() => undefined);
    }
  }

  async reapOrphans(installation: string, isLive: (jobId: number, attempt: number) => boolean | Promise<boolean>): Promise<number> {
    // Another installation on this engine may use the same engine id and the same job numbers.
    const filters = { label: [`${ENGINE_LABEL}=${this.id}`, `${INSTALLATION_LABEL}=${installation}`] };
    // Both listed before isLive is first asked (see Builder.reapOrphans).
    const containers = await this.call('list containers', (opts) => this.docker.listContainers({ all: true, filters, ...opts }));
    const { Volumes } = await this.call('list volumes', (opts) => this.docker.listVolumes({ filters, ...opts }));
    const recent = Date.now() / 1000 - 600;
    // Containers without an attempt label (essential-package copies) belong to no attempt:
    // kept while a start may still be reading them, removed once they are old.
    const keep = async (labels: Record<string, string>, createdSeconds: number | undefined) => {
      const [job, attempt] = (labels[ATTEMPT_LABEL] ?? '').split('.').map(Number);
      if (job === undefined || attempt === undefined || !Number.isInteger(job) || !Number.isInteger(attempt)) {
        return createdSeconds !== undefined && createdSeconds > recent;
      }
      return isLive(job, attempt);
    };
    let removed = 0;
    for (const info of containers) {
      if (await keep(info.Labels, info.Created)) continue;
      await this.call('remove container', (opts) => this.docker.getContainer(info.Id).remove({ force: true, v: true, ...opts })).catch(
        () => undefined,
      );
      removed += 1;
    }
    for (const volume of Volumes ?? []) {
      if (volume.Labels?.[CACHE_LABEL]) continue; // kept across attempts by design
      const created = (volume as { CreatedAt?: string }).CreatedAt;
      if (await keep(volume.Labels ?? {}, created ? Date.parse(created) / 1000 : undefined)) continue;
      await this.call('remove volume', (opts) => this.docker.getVolume(volume.Name).remove(opts)).catch(() => undefined);
      removed += 1;
    }
    return removed;
  }
}
