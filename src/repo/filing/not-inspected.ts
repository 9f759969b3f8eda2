// A package of a bulk upload that early inspection (early-inspection.ts) did not read, because
// another package of the request was refused first. Parts land out of order, so it may come
// before the refused one in the request: whoever names the lowest refused package inspects it.
export class NotInspected extends Error {
  constructor() {
    super('not inspected: an earlier package of the request was refused');
  }
}
