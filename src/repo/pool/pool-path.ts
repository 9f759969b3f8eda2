// Where a package lives in the pool, and which names may become path components at all.
// Every name that reaches a file name passes one of the checks below first, so nothing with
// '/', '..', whitespace or a NUL can leave the repository directory.
import { isValidVersion as isValidDebianVersion } from '../../debian/version.ts';
import { RepoError } from '../repo-error.ts';

// Debian policy 5.6.1/5.6.7: lower case letters, digits, '+', '-', '.'; at least two
// characters; starts with an alphanumeric.
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
const COMPONENT = /^[a-z0-9][a-z0-9.+_-]*$/;
// dak allows more in suite names than in package names (e.g. "bookworm-backports").
const SUITE = /^[A-Za-z0-9][A-Za-z0-9.+_-]*$/;
const MAX_NAME = 200;

export function isValidPackageName(name: string): boolean {
  return name.length <= MAX_NAME && PACKAGE_NAME.test(name);
}

/** A valid Debian version (src/debian decides), written exactly: no surrounding whitespace. */
export function isValidVersion(version: string): boolean {
  return version.length <= MAX_NAME && version === version.trim() && isValidDebianVersion(version);
}

export function assertPackageName(name: string, what = 'package'): void {
  if (!isValidPackageName(name)) {
    throw new RepoError(
      'bad-name',
      `${JSON.stringify(name)} is not a valid ${what} name: Debian names use lower case letters, digits, '+', '-' and '.', start with a letter or digit and are at least two characters long`,
    );
  }
}

export function assertVersion(version: string, what = 'version'): void {
  if (!isValidVersion(version)) {
    throw new RepoError(
      'bad-version',
      `${JSON.stringify(version)} is not a valid Debian ${what}: expected [epoch:]upstream[-revision], upstream starting with a digit, using only letters, digits and . + ~ - :`,
    );
  }
}

export function assertArchitecture(arch: string): void {
  if (arch.length > MAX_NAME || !ARCHITECTURE.test(arch)) {
    throw new RepoError('bad-name', `${JSON.stringify(arch)} is not a valid architecture name`);
  }
}

export function assertComponent(component: string): void {
  if (component.length > MAX_NAME || !COMPONENT.test(component)) {
    throw new RepoError('bad-name', `${JSON.stringify(component)} is not a valid component name`);
  }
}

export function assertSuite(suite: string, what = 'suite'): void {
  if (suite.length > MAX_NAME || !SUITE.test(suite)) {
    throw new RepoError('bad-name', `${JSON.stringify(suite)} is not a valid ${what} name`);
  }
}

/** The version as it appears in file names: dpkg and dak drop the epoch. */
export function versionWithoutEpoch(version: string): string {
  const colon = version.indexOf(':');
  return colon === -1 ? version : version.slice(colon + 1);
}

/** `pool/<component>/<prefix>/<source>/`, prefix "lib" + letter for lib* sources, else the first letter. */
export function poolDirectory(component: string, source: string): string {
  assertComponent(component);
  assertPackageName(source, 'source package');
  // "lib" alone has no fourth letter; dak then files it under "l".
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source.slice(0, 1);
  return `pool/${component}/${prefix}/${source}/`;
}

/** `<package>_<version without epoch>_<arch>.deb`, the name dpkg-name and dak give a binary. */
export function debFileName(pkg: string, version: string, arch: string): string {
  assertPackageName(pkg);
  assertVersion(version);
  assertArchitecture(arch);
  return `${pkg}_${versionWithoutEpoch(version)}_${arch}.deb`;
}

/** The pool path of a binary package, relative to the repository root. */
export function debPoolPath(component: string, source: string, pkg: string, version: string, arch: string): string {
  return poolDirectory(component, source) + debFileName(pkg, version, arch);
}

/**
 * Checks a repository-relative path (as stored in Filename or passed to the pool store):
 * forward slashes, no empty, "." or ".." segments, no absolute path, only safe characters.
 */
export function assertRelativeRepoPath(rel: string, mustStartWith?: string): void {
  const ok =
    rel.length > 0 &&
    rel.length <= 1024 &&
    /^[A-Za-z0-9._+~:-]+(\/[A-Za-z0-9._+~:-]+)*$/.test(rel) &&
    rel.split('/').every((seg) => seg !== '.' && seg !== '..') &&
    (mustStartWith === undefined || rel.startsWith(mustStartWith));
  if (!ok) {
    throw new RepoError(
      'bad-path',
      `${JSON.stringify(rel)} is not a safe repository path${mustStartWith ? ` under ${mustStartWith}` : ''}`,
    );
  }
}
