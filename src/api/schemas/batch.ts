import { z } from 'zod';
import type { Batch } from '../../jobs/get-batch.ts';
import { archiveReferenceBody, jobStateSchema } from './job.ts';

export const batchIdParams = z.strictObject({
  id: z.coerce.number().int().positive().max(2_147_483_647).describe('The batch id'),
});

export const batchReferencesBody = z
  .strictObject({
    sources: z
      .array(archiveReferenceBody.omit({ allowTakeover: true, arch: true }).meta({ id: 'BatchReference' }))
      .min(1)
      .max(200)
      .describe('Source packages in configured Debian archives'),
    arch: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)+$/)
      .optional()
      .describe("The architecture every member builds for; the service's first when omitted"),
  })
  .meta({ id: 'BatchReferences' });

export const batchUploadForm = z
  .object({
    files: z
      .array(z.string().meta({ format: 'binary' }))
      .describe('Several source packages: each .dsc and every file it lists (any part names)'),
    sources: z
      .string()
      .optional()
      .describe('Optional text field: JSON {"sources": [{source, version?, suite?}, …]}, archive references built with the uploads'),
    arch: z.string().optional().describe('Optional text field: the architecture every member builds for'),
  })
  .meta({ id: 'BatchUpload' });

const memberSchema = z.object({
  jobId: z.number().int(),
  origin: z.enum(['upload', 'archive']),
  source: z.string(),
  version: z.string().nullable(),
  state: jobStateSchema,
  reason: z.string().nullable().describe("The last transition's reason"),
  unmetRelations: z.array(z.string()).describe("For dep-wait: what it waits for (another member's binaries, or what apt missed)"),
});

export const batchSchema = z
  .object({
    id: z.number().int(),
    submittedBy: z.string(),
    createdAt: z.iso.datetime(),
    members: z.array(memberSchema).describe('In build order: each member after the members it waits for'),
  })
  .meta({ id: 'Batch' });

export function presentBatch(batch: Batch): z.input<typeof batchSchema> {
  return { ...batch, createdAt: batch.createdAt.toISOString() };
}
