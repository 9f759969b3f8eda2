// One budget for all decompressed bytes of a package (control.tar and data.tar together), so
// a decompression bomb is cut off as soon as it crosses the limit, whichever member it is in.
import { RepoError } from '../repo-error.ts';

/** Shared count of decompressed bytes across members. */
export class Budget {
  used = 0;
  constructor(readonly max: number) {}

  take(n: number, member: string): void {
    this.used += n;
    if (this.used > this.max) {
      throw new RepoError(
        'too-large',
        `${member} expands beyond the limit of ${this.max} uncompressed bytes for this package; refusing it (possible decompression bomb)`,
      );
    }
  }
}
