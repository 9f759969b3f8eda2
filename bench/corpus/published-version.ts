// The version a corpus member was published under. A port appends `+stubdomN` to Debian's
// version, a binNMU `+bN`; the job's .changes names it (dpkg-genchanges writes
// `<source>_<version without epoch>_<arch>.changes`), and the epoch is Debian's.

/** `changesName`'s version with `debianVersion`'s epoch; undefined when the name is not a .changes of that form. */
export function publishedVersion(debianVersion: string | null, changesName: string | undefined): string | undefined {
  const match = changesName?.match(/^[a-z0-9][a-z0-9+.-]+_([A-Za-z0-9.+~-]+)_[a-z0-9-]+\.changes$/);
  if (!match) return undefined;
  const epoch = debianVersion?.match(/^\d+:/)?.[0] ?? '';
  return epoch + match[1];
}
