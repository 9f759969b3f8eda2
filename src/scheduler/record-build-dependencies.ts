// What a published job was built against, from its .buildinfo: the Installed-Build-Depends
// entries (`name[:arch] (= version)`) that name packages of our repository. Stored so that
// "who was built against an older version of this package?" is a query (rebuild-dependents.ts).
import { readFile } from 'node:fs/promises';
import type {} from '../db/dependency-tables.ts';
import type {} from '../db/repo-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { getField, parseDeb822, splitClearsigned } from '../debian/deb822.ts';
import { DebianParseError } from '../debian/parse-error.ts';
import { parseRelations } from '../debian/relations.ts';

export interface InstalledBuildDependency {
  name: string;
  /** The arch qualifier as written; '' when there is none (a native or Architecture: all package). */
  architecture: string;
  version: string;
}

/** Installed-Build-Depends of a .buildinfo text; only `=` entries (all dpkg-genbuildinfo writes). */
export function parseInstalledBuildDepends(buildinfo: string): InstalledBuildDependency[] {
  const paragraph = parseDeb822(splitClearsigned(buildinfo).body)[0];
  const field = paragraph ? getField(paragraph, 'Installed-Build-Depends') : undefined;
  if (!field) return [];
  const found: InstalledBuildDependency[] = [];
  for (const group of parseRelations(field.replace(/\n/g, ' '))) {
    for (const r of group) {
      if (r.version?.op === '=') found.push({ name: r.name, architecture: r.archQualifier ?? '', version: r.version.version });
    }
  }
  return found;
}

/**
 * Records the entries of the job's .buildinfo that name a package of `suite` (a qualified
 * entry: of that architecture; an unqualified one, which is what dpkg-genbuildinfo writes even
 * for the host architecture's packages: of that name). Replaces what was recorded for the job
 * before. Returns what was recorded.
 */
export async function recordBuildDependencies(
  db: Db,
  input: { jobId: number; buildinfoPath: string; suite: string },
): Promise<InstalledBuildDependency[]> {
  let entries: InstalledBuildDependency[];
  try {
    entries = parseInstalledBuildDepends(await readFile(input.buildinfoPath, 'utf8'));
  } catch (error) {
    if (error instanceof DebianParseError) return [];
    throw error;
  }
  if (entries.length === 0) return [];
  const rows = await db
    .selectFrom('repo_packages')
    .select(['name', 'architecture'])
    .distinct()
    .where('suite', '=', input.suite)
    .where('name', 'in', [...new Set(entries.map((e) => e.name))])
    .execute();
  const ours = new Set(rows.flatMap((r) => [`${r.name}\0${r.architecture}`, `${r.name}\0`]));
  const relevant = entries.filter((e) => ours.has(`${e.name}\0${e.architecture}`));
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom('job_build_dependencies').where('job_id', '=', input.jobId).execute();
    if (relevant.length > 0) {
      await trx
        .insertInto('job_build_dependencies')
        .values(relevant.map((e) => ({ job_id: input.jobId, ...e })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  });
  return relevant;
}
