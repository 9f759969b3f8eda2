// The one error type of src/repo. Every code is a fault of the input (a broken or hostile
// .deb, a name that cannot become a file name, a conflict, a package that is not there) or a
// clash with another request that sending the input again resolves, so the API maps all of
// them to a 4xx; anything else thrown from src/repo is a bug or an I/O failure (5xx).
export type RepoErrorCode =
  | 'not-ar' // the file is not an ar archive at all
  | 'bad-member' // an ar member is malformed, misplaced, truncated or fails to decompress
  | 'missing-control' // no control.tar member, or no control file inside it
  | 'missing-data' // no data.tar member
  | 'bad-control' // the control file is not one deb822 paragraph
  | 'bad-dsc' // a .dsc paragraph cannot become a Sources stanza (missing or inconsistent lists)
  | 'missing-field' // Package, Version or Architecture is absent or empty
  | 'wrong-architecture' // Architecture is not one this repository accepts
  | 'too-large' // a size limit was reached (decompressed bytes, control file)
  | 'bad-name' // a package, source, component or suite name that policy (or a path) forbids
  | 'bad-version' // a version that is not a valid Debian version
  | 'bad-path' // a repository-relative path that could escape its directory
  | 'pool-conflict' // a different file already sits at this pool path
  | 'version-conflict' // the repository holds this name and version with different content
  | 'changed-meanwhile' // another request changed the pool or the rows under this one: send it again
  | 'not-found' // no such package in the repository
  | 'ownership'; // a build's package that is not its own to publish (filing/build-ownership.ts)

export class RepoError extends Error {
  override readonly name = 'RepoError';
  readonly code: RepoErrorCode;

  constructor(code: RepoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isRepoError(err: unknown, code?: RepoErrorCode): err is RepoError {
  return err instanceof RepoError && (code === undefined || err.code === code);
}
