// The index keeps the newest REPO_KEEP_VERSIONS versions of each package (of each
// architecture, for binaries): the rule a request's rows are written by.
import { compareVersions } from '../../debian/version.ts';

/**
 * Applies the rule to groups of versions (a binary's name and architecture, or a source's name):
 * the rows each group holds (`existing`, less those already in `removed`) and the candidates it
 * gains (`added`, grouped by `groupOf`). Rows beyond the newest `keep` of their group are added
 * to `removed`; the candidates beyond them, too old to be listed, are returned.
 */
export function keepNewestVersions<C>(
  existing: ReadonlyMap<string, readonly { id: number; version: string }[]>,
  added: readonly C[],
  groupOf: (c: C) => string,
  versionOf: (c: C) => string,
  keep: number,
  removed: Set<number>,
): C[] {
  const groups = new Map<string, ({ version: string; id: number } | { version: string; candidate: C })[]>();
  for (const [group, rows] of existing)
    groups.set(
      group,
      rows.filter((r) => !removed.has(r.id)).map((r) => ({ version: r.version, id: r.id })),
    );
  for (const c of added) {
    const group = groupOf(c);
    const versions = groups.get(group) ?? [];
    versions.push({ version: versionOf(c), candidate: c });
    groups.set(group, versions);
  }
  const tooOld: C[] = [];
  for (const versions of groups.values()) {
    versions.sort((a, b) => compareVersions(b.version, a.version));
    for (const dropped of versions.slice(keep)) {
      if ('id' in dropped) removed.add(dropped.id);
      else tooOld.push(dropped.candidate);
    }
  }
  return tooOld;
}
