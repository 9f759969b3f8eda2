import { z } from 'zod';
import { DomainError } from '../../domain-error.ts';
import type { Job, JobEvent, JobSummary } from '../../jobs/job.ts';
import { causeClasses } from '../../jobs/cause-class.ts';
import { jobStates } from '../../jobs/job-states.ts';

export const jobStateSchema = z.enum(jobStates).describe('The job state (DESIGN.md: job states)');

export const jobIdParams = z.strictObject({
  id: z.coerce.number().int().positive().max(2_147_483_647).describe('The job id'),
});

const jobFileSchema = z.object({
  name: z.string(),
  sha256: z.string().describe('SHA-256 of the stored file, hex'),
  size: z.number().int().describe('Size in bytes'),
});

export const jobSummarySchema = z
  .object({
    id: z.number().int(),
    state: jobStateSchema,
    origin: z.enum(['upload', 'archive']).describe('An uploaded .dsc, or a reference to a Debian archive'),
    source: z.string().describe('Source package name'),
    version: z.string().nullable().describe('Source version; null until an archive reference is resolved'),
    suite: z.string().nullable().describe('Archive suite for archive references'),
    arch: z.string().describe("The architecture it builds for (one of the service's ARCHES)"),
    priority: z.number().int(),
    batchId: z.number().int().nullable().describe('The batch it was submitted in (GET /v1/batches/{id})'),
    binNmu: z.number().int().nullable().describe('For a binNMU rebuild: N, its binaries are versioned `<version>+bN`'),
    rebuildOf: z.number().int().nullable().describe('For a binNMU rebuild: the published job it rebuilds'),
    causeClass: z
      .enum(causeClasses)
      .nullable()
      .describe('For a failed job, the class of the cause; the reason reads `<class>: <first error line>`'),
    reason: z.string().nullable().describe("Why the job is in its state (the last transition's reason)"),
    submittedBy: z.string().describe('Id of the token that submitted the job'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({
    id: 'JobSummary',
    description: 'What a list shows of a job; GET /v1/jobs/{id} adds what its source declares and its stored files',
  });

export const jobSchema = jobSummarySchema
  .extend({
    binaries: z.array(z.string()).describe('Binary packages the .dsc declares (Binary:)'),
    buildDepends: z.string().describe('Build-Depends of the .dsc, as written'),
    buildDependsArch: z.string().describe('Build-Depends-Arch of the .dsc, as written'),
    allowTakeover: z.array(z.string()).describe('Binary names an admin let this build take over from the source that owns them'),
    files: z.array(jobFileSchema).describe('Stored source files'),
  })
  .meta({ id: 'Job', description: 'A job with what its source declares and its stored files' });

const jobEventSchema = z.object({
  from: jobStateSchema.nullable().describe('null for the creation event'),
  to: jobStateSchema,
  actor: z.string(),
  reason: z.string().nullable(),
  at: z.iso.datetime(),
});

export const jobWithEventsSchema = jobSchema
  .extend({ events: z.array(jobEventSchema).describe('Every state change, oldest first') })
  .meta({ id: 'JobWithEvents' });

export const jobListSchema = z.object({
  items: z.array(jobSummarySchema).describe('Summaries; GET /v1/jobs/{id} for the whole job'),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

export const jobListQuery = z.strictObject({
  state: jobStateSchema.optional(),
  source: z.string().min(1).max(200).optional(),
  arch: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)+$/)
    .optional()
    .describe('Only jobs for this architecture'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

const packageName = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian binary package name');

/** Admin only: binary names the job may publish although another source owns them. */
export const takeoverNames = z
  .array(packageName)
  .min(1)
  .max(100)
  .describe('Admin only: binary package names this build may take over from the source that owns them in the repository');

/** The multipart form's `allowTakeover` field: names separated by spaces or commas. */
export function parseTakeoverField(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const parsed = takeoverNames.safeParse(text.split(/[\s,]+/).filter((n) => n !== ''));
  if (!parsed.success)
    throw new DomainError('invalid-input', `the form field "allowTakeover": ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

export const archiveReferenceBody = z
  .strictObject({
    source: z
      .string()
      .regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian source package name')
      .describe('Source package name in the archive'),
    version: z.string().min(1).max(200).optional().describe('Exact Debian version; the newest in the suite when omitted'),
    suite: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/)
      .max(100)
      .optional()
      .describe('A configured archive suite (ARCHIVE_SUITES, ARCHIVE_SECURITY_SUITES); default the first of ARCHIVE_SUITES, bookworm'),
    allowTakeover: takeoverNames.optional(),
    arch: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)+$/, 'must be a dpkg architecture name')
      .optional()
      .describe("The architecture to build for (one of ARCHES); the service's first when omitted"),
  })
  .meta({ id: 'ArchiveReference' });

export function presentJobSummary(job: JobSummary): z.input<typeof jobSummarySchema> {
  return { ...job, createdAt: job.createdAt.toISOString(), updatedAt: job.updatedAt.toISOString() };
}

export function presentJob(job: Job): z.input<typeof jobSchema> {
  return { ...job, ...presentJobSummary(job) };
}

export function presentEvent(event: JobEvent): z.input<typeof jobEventSchema> {
  return { ...event, at: event.at.toISOString() };
}
