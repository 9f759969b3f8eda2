/**
 * What went wrong, in the domain's words. src/api maps each code to an HTTP status; nothing
 * below src/api knows HTTP.
 */
export type DomainErrorCode =
  | 'not-found'
  | 'invalid-input'
  | 'illegal-transition'
  | 'idempotency-conflict'
  | 'invalid-source'
  | 'too-large'
  | 'unsupported-architecture'
  | 'bad-signature'
  | 'unknown-suite'
  | 'invalid-batch'
  | 'dependency-cycle'
  | 'forbidden'
  | 'binary-owned'
  | 'too-many-requests'
  | 'too-slow';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Extra members for the problem document, e.g. the allowed architectures. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
