// Which Debian source builds a binary package, answered from the default suite's Sources index
// (the one the fetcher keeps), so a job waiting for a package no job builds can name the source
// to submit. Best effort: an explanation never waits long for the archive.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { FetcherDeps } from './fetch-archive-job.ts';
import { findSourcesOfBinary, loadSourcesIndex, type SourcesIndex } from './sources-index.ts';

const REFRESH_MS = 30 * 60_000;
const WAIT_FOR_INDEX_MS = 2_000;
const REMEMBERED = 2_000;

export class DebianSourceNames {
  private index: { loaded: Promise<SourcesIndex>; at: number } | undefined;
  private readonly answers = new Map<string, string[]>();

  constructor(
    private readonly deps: Pick<FetcherDeps, 'archives' | 'cacheDir' | 'archiveKeyring' | 'http'> & { logger: Pick<Logger, 'warn'> },
  ) {}

  /** The sources of the default suite that build `binary`; empty when none or not known yet. */
  async sourcesOf(binary: string): Promise<string[]> {
    const known = this.answers.get(binary);
    if (known) return known;
    const index = await Promise.race([this.currentIndex(), sleep(WAIT_FOR_INDEX_MS, undefined, { ref: false })]);
    if (!index) return [];
    const sources = await findSourcesOfBinary(index, binary);
    if (this.answers.size >= REMEMBERED) this.answers.clear();
    this.answers.set(binary, sources);
    return sources;
  }

  private currentIndex(): Promise<SourcesIndex | undefined> {
    if (!this.index || Date.now() - this.index.at > REFRESH_MS) {
      const suite = this.deps.archives.suites.find((s) => s.name === this.deps.archives.defaultSuite)!;
      const loaded = loadSourcesIndex(suite, { cacheDir: this.deps.cacheDir, keyring: this.deps.archiveKeyring, http: this.deps.http });
      this.index = { loaded, at: Date.now() };
      this.answers.clear();
    }
    return this.index.loaded.catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'the Debian Sources index is not available for naming sources');
      this.index = undefined;
      return undefined;
    });
  }
}
