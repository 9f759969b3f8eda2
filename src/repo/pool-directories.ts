// The pool directories one request to add packages made, so that a refused request can take
// them away again: a directory is made while its package is prepared (prepare-deb.ts), stays
// empty until the request is accepted, and is removed, if still empty, when it is refused.
import { mkdir, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class PoolDirectories {
  /** Absolute directory → the first directory its mkdir created (undefined: it existed). */
  private readonly dirs = new Map<string, string | undefined>();

  constructor(private readonly repoDir: string) {}

  /** Notes a directory made (or found) elsewhere; both arguments as prepareDeb gives them. */
  record(relDir: string, madeDir: string | undefined): void {
    const abs = join(this.repoDir, relDir);
    if (!this.dirs.has(abs) || madeDir !== undefined) this.dirs.set(abs, madeDir);
  }

  /** Makes a (repository-relative) directory. */
  async make(relDir: string): Promise<void> {
    const abs = join(this.repoDir, relDir);
    this.record(relDir, await mkdir(abs, { recursive: true }));
  }

  /** Removes the directories this request created, if still empty, deepest first. */
  async rollback(): Promise<void> {
    const created = new Set<string>();
    for (const [abs, first] of this.dirs) {
      if (first === undefined) continue;
      for (let d = abs; d.length >= first.length; d = dirname(d)) created.add(d);
    }
    for (const d of [...created].sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined);
  }
}
