import { createHash } from 'node:crypto';

/** A fingerprint of what a submission asked for, to tell a retry from a different request. */
export function hashRequest(kind: string, parts: readonly string[]): string {
  const hash = createHash('sha256').update(kind);
  for (const part of parts) hash.update('\0').update(part);
  return hash.digest('hex');
}
