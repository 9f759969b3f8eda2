// Relationship fields (Depends, Build-Depends, Build-Depends-Arch, ...): a comma-separated
// AND of "|"-separated alternatives, each
//   name[:qualifier] [(op version)] [[arch ...]] [<profile ...>]...
// as deb-src-control(5) and Dpkg::Deps describe them. Stricter than dpkg on purpose: the
// deprecated "<" and ">" operators, substitution variables, uppercase names and empty
// elements (except one trailing comma, which wrap-and-sort leaves) are errors, because a
// .dsc that reaches us should already be in dpkg-source's normalised form.
import { type ArchTable, isValidArchName } from './architecture.ts';
import { DebianParseError } from './parse-error.ts';
import { isValidVersion, type VersionOp } from './version.ts';

export interface VersionConstraint {
  op: VersionOp;
  version: string;
}

/**
 * `[amd64 arm64]` (negated false) or `[!linux-any !hurd-any]` (negated true). Debian policy
 * 7.1 forbids mixing the two; dpkg's Dpkg::Deps accepts a mix with order-dependent meaning,
 * we refuse it.
 */
export interface ArchRestriction {
  negated: boolean;
  arches: string[];
}

export interface ProfileTerm {
  negated: boolean;
  name: string;
}

export interface Relation {
  name: string;
  /** "any", "native" or an architecture name after the colon. */
  archQualifier?: string;
  version?: VersionConstraint;
  archRestriction?: ArchRestriction;
  /** `<a b> <c>`: satisfied when any group (OR) has all its terms (AND) satisfied. */
  profiles?: ProfileTerm[][];
}

export interface ReduceOptions {
  hostArch: string;
  profiles: ReadonlySet<string>;
  /** dpkg's tables, with the host architecture's rows when dpkg does not know it. */
  arches: ArchTable;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const PROFILE_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const OPS: readonly VersionOp[] = ['<<', '<=', '>=', '>>', '='];

function fail(message: string): never {
  throw new DebianParseError('relation', message);
}

export function parseRelations(field: string): Relation[][] {
  const text = field.trim();
  if (text === '') return [];
  const groups = text.split(',');
  // One trailing comma is tolerated; any other empty element is a typo worth reporting.
  if (groups.length > 1 && (groups[groups.length - 1] ?? '').trim() === '') groups.pop();
  return groups.map((group) => group.split('|').map((alternative) => parseRelation(alternative)));
}

/** Parses a single relation such as "libc6-dev:native (>= 2.36) [!hurd-any] <!nocheck>". */
export function parseRelation(input: string): Relation {
  const text = input.trim();
  if (text === '') fail('empty relation');
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const readWhile = (re: RegExp): string => {
    const start = pos;
    while (pos < text.length && re.test(text[pos]!)) pos++;
    return text.slice(start, pos);
  };
  // Reads up to the closing character; a nested opener or a missing closer is an error.
  const readUntil = (open: string, close: string, what: string): string => {
    pos++;
    const end = text.indexOf(close, pos);
    if (end < 0) fail(`unterminated ${what} in ${JSON.stringify(text)}`);
    const inner = text.slice(pos, end);
    if (inner.includes(open)) fail(`nested ${what} in ${JSON.stringify(text)}`);
    pos = end + 1;
    return inner;
  };

  const name = readWhile(/[a-z0-9+.-]/);
  if (!PACKAGE_NAME.test(name)) fail(`invalid package name in ${JSON.stringify(text)}`);
  const relation: Relation = { name };

  if (text[pos] === ':') {
    pos++;
    const qualifier = readWhile(/[a-z0-9-]/);
    if (!isValidArchName(qualifier)) fail(`invalid architecture qualifier in ${JSON.stringify(text)}`);
    relation.archQualifier = qualifier;
  }

  skipSpace();
  if (text[pos] === '(') {
    const inner = readUntil('(', ')', 'version constraint').trim();
    const op = OPS.find((candidate) => inner.startsWith(candidate));
    if (!op) fail(`invalid version operator in ${JSON.stringify(text)}`);
    const version = inner.slice(op.length).trim();
    // Longest operators are tried first, so "(>> 1)" is never ">" followed by "> 1".
    if (!isValidVersion(version)) {
      fail(`invalid version ${JSON.stringify(version)} in ${JSON.stringify(text)}`);
    }
    relation.version = { op, version };
    skipSpace();
  }

  if (text[pos] === '[') {
    const words = readUntil('[', ']', 'architecture list')
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length === 0) fail(`empty architecture list in ${JSON.stringify(text)}`);
    const negated = words[0]!.startsWith('!');
    const arches = words.map((word) => {
      if (word.startsWith('!') !== negated) fail(`architecture list mixes negated and plain names in ${JSON.stringify(text)}`);
      const arch = negated ? word.slice(1) : word;
      if (!isValidArchName(arch)) fail(`invalid architecture ${JSON.stringify(word)} in ${JSON.stringify(text)}`);
      return arch;
    });
    relation.archRestriction = { negated, arches };
    skipSpace();
  }

  while (text[pos] === '<') {
    const words = readUntil('<', '>', 'build profile list')
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length === 0) fail(`empty build profile list in ${JSON.stringify(text)}`);
    const group = words.map((word): ProfileTerm => {
      const negated = word.startsWith('!');
      const profile = negated ? word.slice(1) : word;
      if (!PROFILE_NAME.test(profile)) fail(`invalid build profile ${JSON.stringify(word)} in ${JSON.stringify(text)}`);
      return { negated, name: profile };
    });
    (relation.profiles ??= []).push(group);
    skipSpace();
  }

  if (pos < text.length) fail(`unexpected ${JSON.stringify(text.slice(pos))} in ${JSON.stringify(text)}`);
  return relation;
}

/** dpkg's canonical spelling: "a:any (>= 1) [amd64] <!nocheck>, b | c". */
export function formatRelations(relations: readonly (readonly Relation[])[]): string {
  return relations.map((group) => group.map(formatRelation).join(' | ')).join(', ');
}

export function formatRelation(relation: Relation): string {
  let out = relation.name;
  if (relation.archQualifier !== undefined) out += `:${relation.archQualifier}`;
  if (relation.version) out += ` (${relation.version.op} ${relation.version.version})`;
  if (relation.archRestriction) {
    const bang = relation.archRestriction.negated ? '!' : '';
    out += ` [${relation.archRestriction.arches.map((arch) => bang + arch).join(' ')}]`;
  }
  for (const group of relation.profiles ?? []) {
    out += ` <${group.map((term) => (term.negated ? '!' : '') + term.name).join(' ')}>`;
  }
  return out;
}

function archAllows(restriction: ArchRestriction | undefined, hostArch: string, arches: ArchTable): boolean {
  if (!restriction) return true;
  const listed = restriction.arches.some((arch) => arches.archMatches(hostArch, arch));
  return restriction.negated ? !listed : listed;
}

function profilesAllow(groups: readonly ProfileTerm[][] | undefined, active: ReadonlySet<string>): boolean {
  if (!groups || groups.length === 0) return true;
  return groups.some((group) => group.every((term) => active.has(term.name) !== term.negated));
}

/**
 * What a build for `hostArch` with `profiles` active must install, as dpkg-checkbuilddeps
 * and sbuild see it: alternatives restricted away are dropped, then groups left empty.
 * Surviving relations lose their restrictions (like Dpkg::Deps reduce_arch/reduce_profiles),
 * since those have been decided; the arch qualifier stays, it is about the dependency.
 */
export function reduceRelations(relations: readonly (readonly Relation[])[], options: ReduceOptions): Relation[][] {
  const reduced: Relation[][] = [];
  for (const group of relations) {
    const kept: Relation[] = [];
    for (const relation of group) {
      if (!archAllows(relation.archRestriction, options.hostArch, options.arches)) continue;
      if (!profilesAllow(relation.profiles, options.profiles)) continue;
      const { archRestriction: _arch, profiles: _profiles, ...rest } = relation;
      kept.push(rest);
    }
    if (kept.length > 0) reduced.push(kept);
  }
  return reduced;
}
