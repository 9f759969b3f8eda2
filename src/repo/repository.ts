// The service's apt repository: where it lives, what it is called, its key, and its one
// publisher. Opening it checks that the name apt clients know it by has not changed, and
// publishes it when the files on disk are missing or behind the database.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../atomic-write.ts';
import { type Config, signingKeyDir } from '../config/config.ts';
import type {} from '../db/repo-tables.ts';
import type { Db } from '../db/in-transaction.ts';
import { FilingThreads } from './filing/filing-threads.ts';
import type { PublishLockMode } from './publish/publish-lock.ts';
import { RepoPublisher, type PublisherHooks } from './publish/publisher.ts';
import { loadOrCreateRepoKey, loadRepoKey, type RepoSigner } from './publish/repo-signer.ts';

export interface RepositorySettings {
  /** The repository directory: dists/, pool/, key.asc, key.gpg. */
  dir: string;
  /** Where the signing key is generated when `signingKeyPath` is not given. */
  keyDir: string;
  signingKeyPath?: string;
  suite: string;
  codename: string;
  component: string;
  origin: string;
  label: string;
  description?: string;
  /** Binary architectures of the suite; packages of these and of "all" are accepted. */
  architectures: string[];
  /** The index keeps this many versions of each package (per architecture), newest first. */
  keepVersions: number;
  /** How long replaced pool files and old by-hash files stay reachable. */
  graceMs: number;
  /** Also write Packages.xz and Sources.xz (Packages and .gz are always written). */
  xz: boolean;
  /** Decompression budget when inspecting a .deb (control.tar + data.tar together). */
  maxUnpackedBytes: number;
}

export interface RepositoryOptions {
  /** 'advisory' on PostgreSQL (replicas share the database); 'in-process' on PGlite. */
  lock: PublishLockMode;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  hooks?: PublisherHooks;
}

/** The configuration names a repository differently from the one the database holds. */
export class RepositoryIdentityError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `the apt repository's identity cannot change once it exists (apt refuses a repository whose Origin, Label, Suite or Codename changed):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}

const IDENTITY_FIELDS = [
  ['suite', 'Suite', 'REPO_SUITE'],
  ['codename', 'Codename', 'REPO_CODENAME'],
  ['component', 'Component', 'REPO_COMPONENT'],
  ['origin', 'Origin', 'REPO_ORIGIN'],
  ['label', 'Label', 'REPO_LABEL'],
] as const;

export const PUBLIC_KEY_FILES = { armored: 'key.asc', binary: 'key.gpg' } as const;

export class Repository {
  readonly publisher: RepoPublisher;
  /** Threads that file the packages of requests adding many (filing/filing-threads.ts). */
  readonly filing = new FilingThreads();
  private signerValue: RepoSigner | undefined;

  constructor(
    readonly settings: RepositorySettings,
    private readonly options: RepositoryOptions,
  ) {
    this.publisher = new RepoPublisher(settings, () => this.signer, options.lock, options.logger, options.hooks);
  }

  /** The repository's logger, for domain functions acting on it. */
  get log(): RepositoryOptions['logger'] {
    return this.options.logger;
  }

  get signer(): RepoSigner {
    if (!this.signerValue) throw new Error('the repository has not been opened');
    return this.signerValue;
  }

  /**
   * Loads (or generates) the signing key, records the repository's identity on first use
   * and refuses a different one, writes the public key files, and publishes if the files
   * on disk do not show what the database holds.
   */
  async open(db: Db): Promise<void> {
    const s = this.settings;
    this.signerValue = s.signingKeyPath
      ? await loadRepoKey(s.signingKeyPath)
      : await loadOrCreateRepoKey(s.keyDir, { name: `${s.origin} repository signing key`, email: `repo@${s.suite}.invalid` });
    const row = await this.checkIdentity(db);
    // A service that builds for another set of architectures publishes their indexes at once.
    const archesChanged = row.architectures.join(' ') !== s.architectures.join(' ');
    if (archesChanged) {
      await db.updateTable('repo_suites').set({ architectures: s.architectures }).where('suite', '=', s.suite).execute();
      this.options.logger?.info(
        { suite: s.suite, was: row.architectures, now: s.architectures },
        'the repository now publishes these architectures',
      );
    }

    await mkdir(s.dir, { recursive: true });
    await writeFileIfChanged(join(s.dir, PUBLIC_KEY_FILES.armored), this.signer.publicKeyArmored());
    await writeFileIfChanged(join(s.dir, PUBLIC_KEY_FILES.binary), this.signer.publicKeyBinary());

    const onDisk = await readFile(join(s.dir, 'dists', s.suite, 'Release')).catch(() => undefined);
    const inRelease = await readFile(join(s.dir, 'dists', s.suite, 'InRelease')).catch(() => undefined);
    const stale =
      archesChanged ||
      onDisk === undefined ||
      inRelease === undefined ||
      row.release_sha256 !== createHash('sha256').update(onDisk).digest('hex');
    const outcome = await this.publisher.request(db, { force: stale });
    this.options.logger?.info(
      { suite: s.suite, dir: s.dir, fingerprint: this.signer.fingerprint, generation: outcome.generation, republished: !outcome.skipped },
      'apt repository open',
    );
    await this.publisher.collect(db);
  }

  /** Waits for queued publications and collections to finish. */
  async close(): Promise<void> {
    this.publisher.stopCollecting();
    await this.publisher.idle();
    await this.filing.close();
  }

  private async checkIdentity(db: Db): Promise<{ release_sha256: string | null; architectures: string[] }> {
    const s = this.settings;
    const rows = await db.selectFrom('repo_suites').selectAll().execute();
    if (rows.length === 0) {
      await db
        .insertInto('repo_suites')
        .values({
          suite: s.suite,
          codename: s.codename,
          component: s.component,
          origin: s.origin,
          label: s.label,
          architectures: s.architectures,
        })
        .onConflict((oc) => oc.column('suite').doNothing())
        .execute();
      return this.checkIdentity(db);
    }
    const mine = rows.find((r) => r.suite === s.suite);
    const stored = mine ?? rows[0]!;
    const problems: string[] = [];
    for (const [key, field, env] of IDENTITY_FIELDS) {
      if (stored[key] !== s[key]) {
        problems.push(`${field} is ${JSON.stringify(stored[key])} in the existing repository but ${env} says ${JSON.stringify(s[key])}`);
      }
    }
    if (!mine || problems.length > 0) {
      problems.push(`set ${problems.length > 1 ? 'them' : 'it'} back, or start a new repository (a new database and REPO_DIR)`);
      throw new RepositoryIdentityError(problems);
    }
    return mine;
  }
}

async function writeFileIfChanged(path: string, data: string | Uint8Array): Promise<void> {
  const current = await readFile(path).catch(() => undefined);
  if (current?.equals(typeof data === 'string' ? Buffer.from(data) : data)) return;
  await writeFileAtomic(path, data);
}

export type RepositoryConfig = Pick<
  Config,
  | 'DATA_DIR'
  | 'REPO_DIR'
  | 'REPO_SUITE'
  | 'REPO_CODENAME'
  | 'REPO_COMPONENT'
  | 'REPO_ORIGIN'
  | 'REPO_LABEL'
  | 'REPO_DESCRIPTION'
  | 'REPO_SIGNING_KEY'
  | 'REPO_KEEP_VERSIONS'
  | 'REPO_GRACE_PERIOD'
  | 'REPO_XZ'
  | 'REPO_MAX_UNPACKED_BYTES'
  | 'ARCHES'
>;

/** The repository the service configuration describes: one binary index per architecture it builds. */
export function repositorySettings(config: RepositoryConfig): RepositorySettings {
  return {
    dir: config.REPO_DIR,
    keyDir: signingKeyDir(config.DATA_DIR),
    ...(config.REPO_SIGNING_KEY !== undefined ? { signingKeyPath: config.REPO_SIGNING_KEY } : {}),
    suite: config.REPO_SUITE,
    codename: config.REPO_CODENAME,
    component: config.REPO_COMPONENT,
    origin: config.REPO_ORIGIN,
    label: config.REPO_LABEL,
    ...(config.REPO_DESCRIPTION !== undefined ? { description: config.REPO_DESCRIPTION } : {}),
    architectures: [...config.ARCHES],
    keepVersions: config.REPO_KEEP_VERSIONS,
    graceMs: config.REPO_GRACE_PERIOD,
    xz: config.REPO_XZ,
    maxUnpackedBytes: config.REPO_MAX_UNPACKED_BYTES,
  };
}

/** Opens the repository (see Repository.open). */
export async function openRepository(db: Db, settings: RepositorySettings, options: RepositoryOptions): Promise<Repository> {
  const repo = new Repository(settings, options);
  await repo.open(db);
  return repo;
}
