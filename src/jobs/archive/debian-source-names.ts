// Which Debian source builds a binary package, answered from the default suite's Sources index
// (the one the fetcher keeps), so a job waiting for a package no job builds can name the source
// to submit. Best effort: an explanation never waits long for the archive.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { FetcherDeps } from './fetch-archive-job.ts';
import { findSourcesOfBinaries, loadSourcesIndex, type SourcesIndex } from './sources-index.ts';

const REFRESH_MS = 30 * 60_000;
const WAIT_FOR_INDEX_MS = 2_000;
const REMEMBERED = 2_000;

export class DebianSourceNames {
  private index: { loaded: Promise<SourcesIndex>; at: number } | undefined;
  private readonly answers = new Map<string, string[]>();
  /** Names asked for since the last pass began; the next pass answers them all. */
  private asked = new Map<string, Promise<string[]>>();
  private nextPass: Promise<Map<string, string[]> | undefined> | undefined;
  private lastPass: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: Pick<FetcherDeps, 'archives' | 'cacheDir' | 'archiveKeyring' | 'http'> & { logger: Pick<Logger, 'warn'> },
  ) {}

  /** The sources of the default suite that build `binary`; empty when none or not known yet. */
  async sourcesOf(binary: string): Promise<string[]> {
    const known = this.answers.get(binary);
    if (known) return known;
    let answer = this.asked.get(binary);
    if (!answer) {
      // Many waiting jobs are explained at once (a page of them, or their first reads): one pass
      // over the ~50 MB file answers every name asked meanwhile, instead of a pass each. Passes
      // run one after another: names asked during one wait for the next.
      this.nextPass ??= this.lastPass.then(() => new Promise((resolve) => setImmediate(resolve))).then(() => this.pass());
      this.lastPass = this.nextPass.catch(() => undefined);
      answer = this.nextPass.then((found) => found?.get(binary) ?? []);
      this.asked.set(binary, answer);
    }
    return answer;
  }

  private async pass(): Promise<Map<string, string[]> | undefined> {
    const names = new Set(this.asked.keys());
    this.asked = new Map();
    this.nextPass = undefined;
    const index = await Promise.race([this.currentIndex(), sleep(WAIT_FOR_INDEX_MS, undefined, { ref: false })]);
    if (!index) return undefined;
    const found = await findSourcesOfBinaries(index, names).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'the Debian Sources index could not be read for naming sources');
      return undefined;
    });
    if (!found) return undefined;
    if (this.answers.size + names.size > REMEMBERED) this.answers.clear();
    for (const name of names) this.answers.set(name, found.get(name) ?? []);
    return found;
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
