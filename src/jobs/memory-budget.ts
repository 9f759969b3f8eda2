// Bytes of uploads the service holds in memory at once: small parts are kept there instead of
// in a staging file until they are written where they belong (a filing thread writes a bulk
// upload's). Past the budget, parts go to disk as they arrive, so memory stays bounded however
// many requests stream at once.
export class MemoryBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` if they fit; false (nothing taken) when they do not. */
  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }

  /** Bytes held now (for tests and metrics). */
  get inUse(): number {
    return this.used;
  }
}

/** A part's bytes held in memory, counted in a MemoryBudget until released. */
export interface HeldBytes {
  bytes: Buffer;
  /** Gives the bytes back to the budget; calling it again does nothing. */
  release(): void;
}
