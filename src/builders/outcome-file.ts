import { z } from 'zod';
import type { Artifact, AttemptOutcome, Provenance } from './builder.ts';

// outcome.json as the image's stubbuild-build writes it (schema 1).
const provenanceSchema = z.object({
  imageId: z.string().nullable(),
  recipeHash: z.string().nullable().catch(null),
  toolchain: z.unknown(),
  port: z.object({ name: z.string(), revision: z.number(), sha256: z.string() }).loose().nullable(),
});

const outcomeSchema = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('built'),
    source: z.object({ package: z.string(), version: z.string() }).loose(),
    provenance: provenanceSchema,
  }),
  z.object({
    outcome: z.literal('dep-wait'),
    unmet: z.array(z.string()),
    relations: z.array(z.string()),
    provenance: provenanceSchema.nullable().catch(null),
  }),
  z.object({
    outcome: z.literal('failed'),
    reason: z.enum(['source-error', 'port-error', 'dependency-error', 'build-error', 'timeout', 'internal-error']),
    message: z.string(),
    provenance: provenanceSchema.nullable().catch(null),
  }),
]);

function toProvenance(p: z.infer<typeof provenanceSchema> | null, imageId: string): Provenance | null {
  if (!p) return null;
  return {
    imageId: p.imageId ?? imageId,
    recipeHash: p.recipeHash,
    toolchain: p.toolchain,
    port: p.port ? { name: p.port.name, revision: p.port.revision, sha256: p.port.sha256 } : null,
  };
}

/** What the container said it came to; a missing or unreadable outcome is the infrastructure's fault. */
export function readOutcome(text: string | undefined, artifacts: Artifact[], imageId: string): AttemptOutcome {
  if (text === undefined) return { kind: 'infrastructure', message: 'the builder wrote no outcome.json' };
  let parsed: z.infer<typeof outcomeSchema>;
  try {
    parsed = outcomeSchema.parse(JSON.parse(text));
  } catch (error) {
    return { kind: 'infrastructure', message: `unreadable outcome.json: ${error instanceof Error ? error.message : String(error)}` };
  }
  switch (parsed.outcome) {
    case 'built':
      return {
        kind: 'built',
        artifacts: artifacts.filter((a) => a.kind !== 'log'),
        provenance: toProvenance(parsed.provenance, imageId)!,
        source: { package: parsed.source.package, version: parsed.source.version },
      };
    case 'dep-wait':
      return { kind: 'dep-wait', unmet: parsed.unmet, relations: parsed.relations, provenance: toProvenance(parsed.provenance, imageId) };
    case 'failed':
      if (parsed.reason === 'internal-error') return { kind: 'infrastructure', message: parsed.message };
      return { kind: 'failed', reason: parsed.reason, message: parsed.message, provenance: toProvenance(parsed.provenance, imageId) };
  }
}
