// Inspection of a bulk upload's packages while the rest of the request is still arriving: each
// staged .deb is queued here as soon as it is on disk, and batches go to the filing threads
// while the next parts are received, so receiving and inspecting overlap instead of adding up.
// addPackages then only waits for the answers (AddPackagesInput.debs[].prepared).
import type { Repository } from '../repository.ts';
import { BATCH, type FilingThreads } from './filing-threads.ts';
import { debInspectionOptions, FILE_IN_PLACE_UP_TO } from './inspect-inputs.ts';
import { NotInspected } from './not-inspected.ts';
import type { PrepareDebOptions, PreparedDeb } from './prepare-deb.ts';

interface Waiting {
  path: string;
  resolve: (prepared: PreparedDeb) => void;
  reject: (error: Error) => void;
}

export class EarlyInspection {
  // Until more packages than addPackages inspects in place have arrived, none is sent.
  private held: { index: number; path: string }[] = [];
  private started = false;
  private readonly inspections: Promise<PreparedDeb>[] = [];
  private queued: Waiting[] = [];
  private readonly out = new Set<Promise<void>>();
  private refused = false;
  private readonly options: PrepareDebOptions;
  private readonly filing: FilingThreads;

  constructor(repo: Repository) {
    this.options = debInspectionOptions(repo);
    this.filing = repo.filing;
  }

  /** The part at `index` of the request is on disk at `path` (parts may land out of order). */
  staged(index: number, path: string): void {
    if (this.started) {
      this.inspections[index] = this.add(path);
      return;
    }
    this.held.push({ index, path });
    if (this.held.length <= FILE_IN_PLACE_UP_TO) return;
    this.started = true;
    for (const h of this.held) this.inspections[h.index] = this.add(h.path);
    this.held = [];
  }

  /**
   * Every part is on disk: the inspections in the order of the parts, or undefined when there
   * were too few to start (addPackages inspects those in place).
   */
  finish(): Promise<PreparedDeb>[] | undefined {
    if (!this.started) return undefined;
    this.sendQueued();
    return this.inspections;
  }

  /** The inspection of the .deb at `path`, started once a batch is full (or on finish). */
  private add(path: string): Promise<PreparedDeb> {
    const prepared = new Promise<PreparedDeb>((resolve, reject) => this.queued.push({ path, resolve, reject }));
    prepared.catch(() => undefined); // awaited in order by addPackages, or never after a refusal
    if (this.queued.length >= BATCH) this.send();
    return prepared;
  }

  /** Waits for every batch out (before the staged files go away after a refusal). */
  async settled(): Promise<void> {
    this.refused = true;
    this.sendQueued();
    await Promise.all(this.out);
  }

  private sendQueued(): void {
    if (this.queued.length > 0) this.send();
  }

  private send(): void {
    const batch = this.queued;
    this.queued = [];
    if (this.refused) {
      for (const w of batch) w.reject(new NotInspected());
      return;
    }
    const sent = this.filing
      .prepareBatch(
        batch.map((w) => w.path),
        this.options,
      )
      .then(
        (answers) => {
          batch.forEach((w, i) => {
            const answer = answers[i];
            if (answer === undefined) return w.reject(new NotInspected());
            if (answer instanceof Error) {
              // No new batch starts once a package is refused: the request is refused anyway.
              this.refused = true;
              return w.reject(answer);
            }
            w.resolve(answer);
          });
        },
        (error: Error) => {
          for (const w of batch) w.reject(error);
        },
      );
    this.out.add(sent);
    void sent.finally(() => this.out.delete(sent));
  }
}
