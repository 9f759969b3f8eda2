// Opaque paging cursors: where the previous page ended, as base64url JSON. What a cursor holds
// is checked when it comes back; one this service did not give out is a 400.
import { DomainError } from './domain-error.ts';

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor holds, when `isPosition` accepts it; otherwise invalid-input. */
export function decodeCursor<T>(cursor: string, isPosition: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isPosition(value)) return value;
  } catch {
    // falls through to the error below
  }
  throw new DomainError('invalid-input', 'the cursor is not one this service gave out', { parameter: 'cursor' });
}
