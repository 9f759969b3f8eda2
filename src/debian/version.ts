// Debian version strings: [epoch:]upstream[-revision], ordered exactly as dpkg orders them.
//
// Validation follows dpkg's parseversion() with two deliberate tightenings:
//   - upstream must start with a digit (dpkg only warns; a warning is useless to a service
//     that cannot ask anyone, and policy requires it);
//   - the epoch is plain ASCII digits (dpkg uses strtol, which would also take "+1").
// Like dpkg, surrounding whitespace is ignored and embedded whitespace is an error.
import { DebianParseError } from './parse-error.ts';

export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** '' when the version has no revision; dpkg orders that the same as "0". */
  revision: string;
}

export type VersionOp = '<<' | '<=' | '=' | '>=' | '>>';

const EPOCH = /^[0-9]+$/;
const UPSTREAM = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;
const INT_MAX = 2 ** 31 - 1;

function fail(message: string, input: string): never {
  throw new DebianParseError('version', `${message}: ${JSON.stringify(input)}`);
}

export function parseVersion(input: string): DebianVersion {
  // ASCII whitespace only, as dpkg's c_isspace; anything else is an invalid character.
  const s = input.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
  if (s === '') fail('version string is empty', input);
  if (/[ \t\n\v\f\r]/.test(s)) fail('version string has embedded spaces', input);

  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const epochText = s.slice(0, colon);
    if (epochText === '') fail('epoch in version is empty', input);
    if (!EPOCH.test(epochText)) fail('epoch in version is not a number', input);
    epoch = Number(epochText);
    if (epoch > INT_MAX) fail('epoch in version is too big', input);
    rest = s.slice(colon + 1);
    if (rest === '') fail('nothing after colon in version number', input);
  }

  // The revision follows the last hyphen, so upstream may itself contain hyphens.
  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === '') fail('revision number is empty', input);
  }
  if (upstream === '') fail('version number is empty', input);
  if (!UPSTREAM.test(upstream)) {
    if (!/^[0-9]/.test(upstream)) fail('version number does not start with a digit', input);
    fail('invalid character in version number', input);
  }
  if (revision !== '' && !REVISION.test(revision)) fail('invalid character in revision number', input);
  return { epoch, upstream, revision };
}

export function isValidVersion(input: string): boolean {
  try {
    parseVersion(input);
    return true;
  } catch (error) {
    if (error instanceof DebianParseError) return false;
    throw error;
  }
}

/** Canonical text: a zero epoch and an empty revision are left out (dpkg prints it so too). */
export function formatVersion(version: DebianVersion): string {
  const epoch = version.epoch === 0 ? '' : `${version.epoch}:`;
  const revision = version.revision === '' ? '' : `-${version.revision}`;
  return `${epoch}${version.upstream}${revision}`;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isAlpha(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// dpkg's character weight: '~' below the end of the string (weight 0), letters below
// everything else that is not a digit.
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

// dpkg's verrevcmp: alternate non-digit runs (compared by weight) and digit runs (compared
// numerically, leading zeros ignored).
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i]!)) || (j < b.length && !isDigit(b[j]!))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (i < a.length && j < b.length && isDigit(a[i]!) && isDigit(b[j]!)) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a[i]!)) return 1;
    if (j < b.length && isDigit(b[j]!)) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export function compareParsedVersions(a: DebianVersion, b: DebianVersion): -1 | 0 | 1 {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return sign(compareFragment(a.upstream, b.upstream) || compareFragment(a.revision, b.revision));
}

/** Throws DebianParseError when either side is not a valid version. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  return compareParsedVersions(parseVersion(a), parseVersion(b));
}

export function versionSatisfies(version: string, op: VersionOp, target: string): boolean {
  const c = compareVersions(version, target);
  switch (op) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
  }
}
