// The one error type of src/debian: callers (API, intake, repo) map it to a 4xx without
// having to tell our parsing mistakes apart from runtime bugs.
export type DebianParseErrorKind = 'deb822' | 'version' | 'relation' | 'architecture' | 'dsc' | 'ar';

export class DebianParseError extends Error {
  override readonly name = 'DebianParseError';
  readonly kind: DebianParseErrorKind;
  readonly line?: number;

  constructor(kind: DebianParseErrorKind, message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.kind = kind;
    if (line !== undefined) this.line = line;
  }
}
