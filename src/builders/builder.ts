import type { FailureCause } from './classify-failure.ts';

// The interface the scheduler runs builds through. The Docker backend is one implementation;
// another engine is a new file, not a rewrite (DESIGN.md).

/** A file of the source package, on the service's disk. */
export interface SourceFile {
  name: string;
  path: string;
}

/** A file of the repository handed into a build: on the service's disk, or bytes read beforehand. */
export type RepositoryFile = SourceFile | { name: string; content: Buffer };

export interface AttemptLimits {
  memoryMiB: number;
  cpus: number;
  pids: number;
  /** Wall clock of each step. */
  dependenciesSeconds: number;
  buildSeconds: number;
  /** The attempt ends when nothing is printed for this long. */
  noOutputSeconds: number;
  /** The attempt ends when its log grows past this (a runaway build). */
  maxLogBytes: number;
  /** All collected artifacts together. */
  maxArtifactBytes: number;
}

export interface AttemptRequest {
  jobId: number;
  attempt: number;
  /** The installation (database) the attempt belongs to: its containers are labelled with it. */
  installation: string;
  image: string;
  source: SourceFile[];
  /**
   * What of the stubdom apt repository the attempt gets: its suite, the files (relative names:
   * the signed InRelease, the architecture's index, the .debs the build may install) and the
   * public key. Handed in through the engine's API, never mounted.
   */
  repository: { suite: string; files: RepositoryFile[]; keyFile: string } | null;
  /**
   * A binNMU: the builder adds a binary-only changelog entry, so the binaries are versioned
   * `<version>+b<binNmu>` (a rebuild of unchanged source against newer dependencies).
   */
  binNmu?: number;
  /** Where the attempt's artifacts are written on the service's disk (created). */
  artifactDir: string;
  limits: AttemptLimits;
  /** Each chunk of output as it comes, already demultiplexed. */
  onLog: (chunk: Buffer) => void;
  /** Aborting ends the attempt (cancel, shutdown); the outcome is then `aborted`. */
  signal?: AbortSignal;
}

export interface Provenance {
  imageId: string | null;
  recipeHash: string | null;
  toolchain: unknown;
  port: { name: string; revision: number; sha256: string } | null;
}

export interface Artifact {
  name: string;
  kind: 'deb' | 'buildinfo' | 'changes' | 'source' | 'log';
  size: number;
  sha256: string;
}

/** What an attempt came to. `infrastructure` is never the package's fault: the job is retried. */
export type AttemptOutcome =
  | { kind: 'built'; artifacts: Artifact[]; provenance: Provenance; source: { package: string; version: string } }
  | { kind: 'dep-wait'; unmet: string[]; relations: string[]; provenance: Provenance | null }
  | { kind: 'failed'; reason: FailureReason; message: string; provenance: Provenance | null; cause?: FailureCause }
  | { kind: 'infrastructure'; message: string }
  | { kind: 'aborted'; message: string };

export type FailureReason =
  | 'source-error'
  | 'port-error'
  | 'dependency-error'
  | 'build-error'
  | 'timeout'
  | 'no-output'
  | 'log-too-large'
  | 'memory-limit'
  | 'pids-limit'
  | 'artifacts-too-large'
  | 'ownership';

export interface EngineStatus {
  id: string;
  capacity: number;
  healthy: boolean;
  detail: string;
}

export interface Builder {
  readonly id: string;
  readonly capacity: number;
  /** Whether the engine answers and has the image; never throws. */
  checkHealth(image: string): Promise<EngineStatus>;
  runAttempt(request: AttemptRequest): Promise<AttemptOutcome>;
  /**
   * Copies the architecture's essential packages (stubdom-libc-dev, …) out of the image into
   * `destDir`; returns their paths. A fresh repository is seeded with them.
   */
  fetchEssentialPackages(image: string, destDir: string, installation: string): Promise<string[]>;
  /**
   * Removes this installation's containers and volumes of attempts that are not live any more
   * (another installation's on a shared engine are never touched); returns how many.
   * `isLive` is asked only after the engine was listed, so the caller's answer may come from
   * a look at the database taken then (an attempt started meanwhile is not mistaken for dead).
   */
  reapOrphans(installation: string, isLive: (jobId: number, attempt: number) => boolean | Promise<boolean>): Promise<number>;
}
