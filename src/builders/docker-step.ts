import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { withDeadline } from './docker-deadline.ts';

/**
 * The capabilities a step keeps: apt and dpkg as root (own, chown and write files of others,
 * keep set-id bits) and setpriv to the build user. No raw sockets, device nodes, chroot,
 * file capabilities or signals to others.
 */
export const STEP_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETGID', 'SETUID'] as const;

export interface StepOptions {
  name: string;
  image: string;
  cmd: string[];
  labels: Record<string, string>;
  env: string[];
  /** Volume name → mount point. */
  volumes: Record<string, string>;
  network: 'bridge' | 'none';
  memoryMiB: number;
  cpus: number;
  pids: number;
  wallSeconds: number;
  noOutputSeconds: number;
  /** Bytes of log this step may still write. */
  logBudget: number;
  onLog: (chunk: Buffer) => void;
  /**
   * Put into the created container before it starts, in order (the source as a tar at /srv,
   * the repository's files at /): nothing of the service's file system is mounted.
   */
  putArchives?: { path: string; what: string; tar: () => NodeJS.ReadableStream }[];
  signal?: AbortSignal | undefined;
  /** Deadline of each short call to the engine (docker-deadline.ts). */
  callTimeoutMs: number;
}

export interface StepResult {
  container: Docker.Container;
  exitCode: number | null;
  oomKilled: boolean;
  /** Why we stopped it, when we did. */
  stoppedBy: 'wall-clock' | 'no-output' | 'log-size' | 'aborted' | null;
  /** The container went away or the engine stopped answering. */
  vanished: string | null;
  logBytes: number;
}

/**
 * One container run to its end: created with the limits, output streamed as it comes, killed
 * when it runs too long, falls silent or writes too much. The container is left for the caller
 * to read its files from and remove.
 */
export async function runStep(docker: Docker, options: StepOptions): Promise<StepResult> {
  const call = <T>(what: string, fn: (opts: { abortSignal: AbortSignal }) => Promise<T>) =>
    withDeadline(`${options.name}: ${what}`, options.callTimeoutMs, fn);
  const container = await call('create container', (opts) =>
    docker.createContainer({
      ...opts,
      name: options.name,
      Image: options.image,
      Cmd: options.cmd,
      Env: options.env,
      Labels: options.labels,
      Tty: false,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: {
        NetworkMode: options.network,
        Mounts: Object.entries(options.volumes).map(([Source, Target]) => ({ Type: 'volume' as const, Source, Target })),
        Memory: options.memoryMiB * 1024 * 1024,
        MemorySwap: options.memoryMiB * 1024 * 1024,
        NanoCpus: Math.round(options.cpus * 1e9),
        PidsLimit: options.pids,
        SecurityOpt: ['no-new-privileges'],
        // Root in a step installs packages and drops to the build user; nothing else.
        CapDrop: ['ALL'],
        CapAdd: [...STEP_CAPABILITIES],
        Init: true,
      },
    }),
  );
  // Attached while the archive goes in: one round trip to the engine less before the start.
  const attaching = container.attach({ stream: true, stdout: true, stderr: true });
  attaching.catch(() => undefined); // its failure is reported below, as the container vanishing
  if (options.putArchives?.length) {
    try {
      for (const archive of options.putArchives) {
        // Its length depends on the files' size: a generous deadline.
        await withDeadline(`${options.name}: copy ${archive.what} in`, 10 * options.callTimeoutMs, (opts) =>
          putArchiveChecked(container, archive.tar(), archive.path, opts.abortSignal),
        );
      }
    } catch (error) {
      // Not started, not handed to the caller: ours to clean up (the attach too, whenever it
      // answers: a wedged engine may never).
      closeWhenAttached(attaching);
      await call('remove container', (opts) => container.remove({ force: true, v: true, ...opts })).catch(() => undefined);
      throw error;
    }
  }

  let logBytes = 0;
  let stoppedBy: StepResult['stoppedBy'] = null;
  const stop = (why: NonNullable<StepResult['stoppedBy']>) => {
    if (stoppedBy) return;
    stoppedBy = why;
    call('kill', (opts) => container.kill(opts)).catch(() => undefined); // already gone: wait() reports it
  };
  let silence = setTimeout(() => stop('no-output'), options.noOutputSeconds * 1000);
  const wall = setTimeout(() => stop('wall-clock'), options.wallSeconds * 1000);
  const onAbort = () => stop('aborted');
  options.signal?.addEventListener('abort', onAbort);

  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    clearTimeout(silence);
    silence = setTimeout(() => stop('no-output'), options.noOutputSeconds * 1000);
    const room = options.logBudget - logBytes;
    logBytes += chunk.length;
    if (room > 0) options.onLog(chunk.length > room ? chunk.subarray(0, room) : chunk);
    if (logBytes > options.logBudget) stop('log-size');
  });

  let vanished: string | null = null;
  let exitCode: number | null = null;
  try {
    const stream = await withDeadline(`${options.name}: attach`, options.callTimeoutMs, () => attaching).catch((error: unknown) => {
      closeWhenAttached(attaching);
      throw error;
    });
    docker.modem.demuxStream(stream, sink, sink);
    const ended = new Promise<void>((resolve) =>
      stream
        .on('end', resolve)
        .on('close', resolve)
        .on('error', () => resolve()),
    );
    await call('start', (opts) => container.start(opts));
    if (options.signal?.aborted) stop('aborted');
    // Killed at the wall-clock limit at the latest; an engine that says nothing by a deadline
    // past that has stopped answering.
    const waited = (await withDeadline(`${options.name}: wait`, options.wallSeconds * 1000 + 2 * options.callTimeoutMs, (opts) =>
      container.wait(opts),
    )) as { StatusCode: number };
    exitCode = waited.StatusCode;
    // The last output may still be in flight when wait() answers.
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))]);
  } catch (error) {
    vanished = error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(silence);
    clearTimeout(wall);
    options.signal?.removeEventListener('abort', onAbort);
  }

  let oomKilled = false;
  try {
    const state = (await call('inspect', (opts) => container.inspect(opts))).State;
    oomKilled = state.OOMKilled;
    exitCode ??= state.ExitCode;
  } catch (error) {
    vanished ??= `the container is gone: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { container, exitCode, oomKilled, stoppedBy, vanished, logBytes };
}

/** Closes an attach stream once it arrives, if it ever does. */
function closeWhenAttached(attaching: Promise<unknown>): void {
  attaching.then(
    (stream) => (stream as { destroy?: () => void } | undefined)?.destroy?.(),
    () => undefined,
  );
}

/**
 * putArchive that fails with the archive's own error when its stream breaks (a file under it
 * could not be read): the request is aborted at once, instead of waiting for the deadline on a
 * body that never ends, and the error is not left unheard on the stream (which ends the process).
 */
async function putArchiveChecked(
  container: Docker.Container,
  tar: NodeJS.ReadableStream,
  path: string,
  signal: AbortSignal,
): Promise<void> {
  const broken = new AbortController();
  let cause: unknown;
  tar.on('error', (error) => {
    cause ??= error;
    broken.abort(error);
  });
  try {
    await container.putArchive(tar, { path, abortSignal: AbortSignal.any([signal, broken.signal]) });
  } catch (error) {
    throw cause ?? error;
  }
  if (cause) throw cause;
}
