// Filing a bulk upload's packages while the rest of the request is still arriving: each part is
// handed over as soon as it has been read (held in memory, in request order) or is on disk (a
// part spilled there, in any order), and batches go to the filing threads, which inspect each
// and write it into the pool, or link it there from staging (file-deb-early.ts), while the next
// parts are received, so the main thread only parses the request meanwhile. addPackages then
// waits for the answers in the order of the request (AddPackagesInput.debs[].filed); a refusal
// takes the pool changes back (pool/pool-changes.ts), once no batch is out any more. What the
// threads write is made durable once, before the rows commit (settle-files.ts): a sync of the
// file system in the background every 2,048 packages, meant to leave that one little to do,
// slowed the threads' file creation more than it saved (ext4: 0.2–1.2 s per 10,000 packages).
import type { Db } from '../../db/in-transaction.ts';
import type { HeldBytes } from '../../jobs/memory-budget.ts';
import type { SourceStore, StagedFile } from '../../jobs/source-store.ts';
import { PoolChanges } from '../pool/pool-changes.ts';
import type { Repository } from '../repository.ts';
import type { AddPackagesInput, EarlyPoolChanges, FiledEarly } from './add-packages.ts';
import type { EarlyDeb } from './file-deb-early.ts';
import { BATCH, type FilingThreads } from './filing-threads.ts';
import { debInspectionOptions, FILE_IN_PLACE_UP_TO } from './inspect-inputs.ts';
import { NotInspected } from './not-inspected.ts';
import type { PrepareDebOptions } from './prepare-deb.ts';

interface Part {
  index: number;
  file: StagedFile;
  /** The bytes, while in memory and not yet written (or refused) by a filing thread. */
  held?: HeldBytes | undefined;
}

interface Waiting extends Part {
  resolve: (filed: FiledEarly) => void;
  reject: (error: Error) => void;
}

export class EarlyFiling implements EarlyPoolChanges {
  readonly changes: PoolChanges;
  // Until more packages than addPackages files in place have arrived, none is sent.
  private unsent: Part[] = [];
  private started = false;
  private readonly parts: StagedFile[] = [];
  private readonly filings: Promise<FiledEarly>[] = [];
  private queued: Waiting[] = [];
  private readonly out = new Set<Promise<void>>();
  private refused = false;
  /** Staging files a filing thread removed once it had linked them into the pool. */
  private readonly stagingRemoved = new Set<string>();
  /** Bytes still counted in the service's memory budget, given back at the latest when settled. */
  private readonly holding = new Set<HeldBytes>();
  private readonly options: PrepareDebOptions;
  private readonly filing: FilingThreads;
  private readonly repoDir: string;

  constructor(
    private readonly repo: Repository,
    private readonly store: SourceStore,
  ) {
    this.options = debInspectionOptions(repo);
    this.filing = repo.filing;
    this.repoDir = repo.settings.dir;
    this.changes = new PoolChanges(this.repoDir);
  }

  /** The part at `index` of the request, held in memory (receive-upload.ts PartTaker). */
  held(file: StagedFile, held: HeldBytes, index: number): void {
    this.holding.add(held);
    this.take({ index, file, held });
  }

  /** The part at `index` of the request is on disk (parts may land out of order). */
  staged(file: StagedFile, index: number): void {
    this.take({ index, file });
  }

  /**
   * Every part has been read: the packages for addPackages, each with its filing, or, when
   * there were too few to start, each on disk to be filed in place (those held in memory are
   * written now).
   */
  async finish(): Promise<AddPackagesInput['debs']> {
    if (this.started) {
      this.sendQueued();
      return this.parts.map((file, i) => ({ path: file.tmpPath, filed: this.filings[i]! }));
    }
    const writes = await Promise.allSettled(this.unsent.map((p) => p.held && this.store.writeHeld(p.file, p.held)));
    this.unsent = [];
    const failed = writes.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed) throw failed.reason;
    return this.parts.map((file) => ({ path: file.tmpPath }));
  }

  /** Waits for every batch out (before the pool changes are taken back or the staging files go). */
  async settled(): Promise<void> {
    this.refused = true;
    this.sendQueued();
    await Promise.all(this.out);
    for (const held of this.holding) held.release();
    this.holding.clear();
  }

  /** The request is refused: once no batch is out, what the filing did to the pool is taken back. */
  async abandon(db: Db): Promise<void> {
    await this.settled();
    await this.changes.undo(db, this.repo.settings.suite);
  }

  /** The staging files of the parts that may still be there (call once settled). */
  leftInStaging(): StagedFile[] {
    return this.parts.filter((file) => file !== undefined && !this.stagingRemoved.has(file.tmpPath));
  }

  private take(part: Part): void {
    this.parts[part.index] = part.file;
    if (this.started) {
      this.filings[part.index] = this.add(part);
      return;
    }
    this.unsent.push(part);
    if (this.unsent.length <= FILE_IN_PLACE_UP_TO) return;
    this.started = true;
    for (const p of this.unsent) this.filings[p.index] = this.add(p);
    this.unsent = [];
  }

  /** The filing of one part, started once a batch is full (or on finish). */
  private add(part: Part): Promise<FiledEarly> {
    const filed = new Promise<FiledEarly>((resolve, reject) => this.queued.push({ ...part, resolve, reject }));
    filed.catch(() => undefined); // awaited in order by addPackages, or never after a refusal
    if (this.queued.length >= BATCH) this.send();
    return filed;
  }

  private sendQueued(): void {
    if (this.queued.length > 0) this.send();
  }

  private send(): void {
    const batch = this.queued;
    this.queued = [];
    if (this.refused) {
      for (const w of batch) w.reject(this.notInspected(w));
      return;
    }
    // The held bytes of the batch are copied into one buffer: a message clones each view's whole
    // buffer (a held part is often a slice of a socket read), and one buffer is one allocation.
    const packed = Buffer.allocUnsafeSlow(batch.reduce((sum, w) => sum + (w.held?.bytes.length ?? 0), 0));
    let offset = 0;
    const debs: EarlyDeb[] = batch.map(({ file, held }) => {
      if (!held) return { stagingPath: file.tmpPath };
      const start = offset;
      offset += held.bytes.copy(packed, offset);
      return { stagingPath: file.tmpPath, bytes: packed.subarray(start, offset), digests: { sha256: file.sha256, md5: file.md5 } };
    });
    const sent = this.filing.fileBatch(debs, this.options, this.repoDir).then(
      (answers) => {
        batch.forEach((w, i) => {
          const answer = answers[i];
          if (answer === undefined) return w.reject(this.notInspected(w));
          this.release(w);
          if (answer instanceof Error) {
            // No new batch starts once a package is refused: the request is refused anyway.
            this.refused = true;
            return w.reject(answer);
          }
          this.changes.noteLinked(answer.prepared.poolPath, answer.linked);
          if (answer.stagingRemoved) this.stagingRemoved.add(w.file.tmpPath);
          w.resolve({ ...answer.prepared, placed: answer.linked.placement });
        });
      },
      (error: Error) => {
        for (const w of batch) {
          this.release(w);
          w.reject(error);
        }
      },
    );
    this.out.add(sent);
    void sent.finally(() => this.out.delete(sent));
  }

  /** A part passed over after a refusal; one held in memory is written when it is read in place. */
  private notInspected(part: Part): NotInspected {
    const { held, file } = part;
    return new NotInspected(held && (() => this.store.writeHeld(file, held).then(() => undefined)));
  }

  private release(part: Part): void {
    if (!part.held) return;
    part.held.release();
    this.holding.delete(part.held);
    part.held = undefined;
  }
}
