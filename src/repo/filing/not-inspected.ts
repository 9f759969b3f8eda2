// A package of a bulk upload that early filing (early-filing.ts) did not read, because another
// package of the request was refused first. Parts land out of order, so it may come before the
// refused one in the request: whoever names the lowest refused package inspects it.
export class NotInspected extends Error {
  /** `writeToDisk`: the package is still in memory; write it to its staging path before reading it there. */
  constructor(readonly writeToDisk?: () => Promise<void>) {
    super('not inspected: an earlier package of the request was refused');
  }
}
