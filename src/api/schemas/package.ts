import { z } from 'zod';
import type { AddPackagesResult } from '../../repo/filing/add-packages.ts';
import type { PackageRow } from '../../repo/rows/list-packages.ts';
import type { RemovedPackage } from '../../repo/rows/remove-package.ts';
import type { PublishOutcome } from '../../repo/publish/publisher.ts';

const packageName = z
  .string()
  .max(200)
  .regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian package name');

export const packageListQuery = z.strictObject({
  name: packageName.optional().describe('Only this binary package'),
  source: packageName.optional().describe('Only binary packages built from this source package'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(400).optional(),
});

export const packageIdentityParams = z.strictObject({
  name: packageName.describe('Binary package name'),
  version: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9.+~:-]+$/, 'must be a Debian version')
    .describe('Version, with its epoch if it has one (e.g. 1:1.3-1)'),
});

export const packageUploadQuery = z.strictObject({
  force: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe(
      'Replace a package the repository already holds under the same name and version (clients holding the old index will see a hash mismatch for it)',
    ),
});

export const packageUploadForm = z
  .object({
    files: z
      .array(z.string().meta({ format: 'binary' }))
      .describe('One or more .deb files; part names and file names are ignored (the control file names the package)'),
  })
  .meta({ id: 'PackageUpload' });

const packageSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    architecture: z.string(),
    source: z.string().describe('Source package name'),
    sourceVersion: z.string(),
    filename: z.string().describe('Path in the repository, relative to /apt/ (the Filename of the Packages index)'),
    size: z.number().int(),
    sha256: z.string(),
    jobId: z.number().int().nullable().describe('The build job that produced it; null for packages added by an admin'),
    addedAt: z.iso.datetime(),
    published: z.boolean().describe('Whether the published index already lists it'),
  })
  .meta({ id: 'Package' });

export const packageListSchema = z.object({
  items: z.array(packageSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

const publicationSchema = z
  .object({
    generation: z.number().int().describe('The contents generation the published files now show'),
    releaseSha256: z
      .string()
      .nullable()
      .describe('SHA-256 of the Release file written; null when an earlier publication already showed these contents'),
  })
  .meta({ id: 'Publication' });

export const addPackagesResultSchema = z
  .object({
    packages: z.array(
      z.object({
        name: z.string(),
        version: z.string(),
        architecture: z.string(),
        source: z.string(),
        sourceVersion: z.string(),
        filename: z.string(),
        size: z.number().int(),
        sha256: z.string(),
        outcome: z
          .enum(['added', 'replaced', 'already-present', 'not-indexed'])
          .describe('not-indexed: older than the newest versions the index keeps (REPO_KEEP_VERSIONS), so not listed'),
      }),
    ),
    publication: publicationSchema,
  })
  .meta({ id: 'AddedPackages' });

export const removedPackagesSchema = z
  .object({
    removed: z.array(z.object({ name: z.string(), version: z.string(), architecture: z.string(), filename: z.string() })),
    publication: publicationSchema,
  })
  .meta({ id: 'RemovedPackages' });

function presentPublication(p: PublishOutcome): z.input<typeof publicationSchema> {
  return { generation: p.generation, releaseSha256: p.releaseSha256 ?? null };
}

export function presentPackage(row: PackageRow): z.input<typeof packageSchema> {
  const { id: _id, addedAt, ...rest } = row;
  return { ...rest, addedAt: addedAt.toISOString() };
}

export function presentAddResult(result: AddPackagesResult & { publication: PublishOutcome }): z.input<typeof addPackagesResultSchema> {
  return { packages: result.packages, publication: presentPublication(result.publication) };
}

export function presentRemoved(result: { removed: RemovedPackage[]; publication: PublishOutcome }): z.input<typeof removedPackagesSchema> {
  return { removed: result.removed, publication: presentPublication(result.publication) };
}
