import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { DomainError } from '../../domain-error.ts';
import { getBatch } from '../../jobs/get-batch.ts';
import type { SourceStore, StagedFile } from '../../jobs/source-store.ts';
import { type BatchPolicy, submitBatch } from '../../scheduler/submit-batch.ts';
import { requireSourceInScope } from '../../tokens/tokens.ts';
import { requireToken } from '../auth.ts';
import { withMultipart, receiveUploadWithFields, type UploadLimits } from '../receive-upload.ts';
import { batchIdParams, batchReferencesBody, batchSchema, batchUploadForm, presentBatch } from '../schemas/batch.ts';
import { problemResponses } from '../schemas/problem.ts';

export interface BatchRoutesOptions {
  db: Db;
  store: SourceStore;
  uploadLimits: UploadLimits;
  policy: BatchPolicy;
}

const submitHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters')
    .optional()
    .describe('Retrying with the same key returns the batch the first request created'),
});

/** The `sources` form field: the same JSON as the JSON body. */
function parseSourcesField(text: string | undefined): z.infer<typeof batchReferencesBody>['sources'] {
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DomainError('invalid-input', 'the form field "sources" is not JSON');
  }
  const parsed = batchReferencesBody.safeParse(value);
  if (!parsed.success) {
    throw new DomainError(
      'invalid-input',
      `the form field "sources": ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data.sources;
}

export const batchRoutes: FastifyPluginAsyncZod<BatchRoutesOptions> = async (app, { db, store, uploadLimits, policy }) => {
  // Multipart is parsed for this route alone (withMultipart).
  await withMultipart(app, uploadLimits, (uploads) => {
    uploads.post(
      '/batches',
      {
        config: { access: 'submit' },
        schema: {
          tags: ['batches'],
          summary: 'Submit a batch of sources',
          description:
            'Several sources built in the order of their build-dependencies on each other: multipart/form-data with ' +
            'several source packages (each .dsc with the files it lists) and optionally a `sources` field of archive ' +
            'references, or JSON `{"sources": [...]}` of archive references alone. A member whose Build-Depends or ' +
            "Build-Depends-Arch (for the batch's architecture, with its profile's build profiles) name a binary another member's .dsc " +
            'declares starts `dep-wait` for it and is queued when it is published. Archive references are not ordered ' +
            '(their binaries are known only once fetched); a member needing them meets dep-wait and is queued again ' +
            'when they are published. A cycle is refused (422 dependency-cycle, naming the members); any refused member ' +
            'refuses the whole batch, and nothing is kept. Answers 202 with the batch and a Location header.',
          headers: submitHeaders,
          body: {
            content: {
              'application/json': { schema: batchReferencesBody },
              'multipart/form-data': { schema: z.unknown(), document: batchUploadForm },
            },
          } as never,
          response: { 202: batchSchema, ...problemResponses(400, 401, 403, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const token = requireToken(request);
        const idempotencyKey = (request.headers as { 'idempotency-key'?: string })['idempotency-key'];
        let files: StagedFile[] = [];
        let references;
        let arch: string | undefined;
        if (request.isMultipart()) {
          const received = await receiveUploadWithFields(request, store, uploadLimits, ['sources', 'arch']);
          files = received.files;
          arch = received.fields.arch;
          try {
            references = parseSourcesField(received.fields.sources);
          } catch (error) {
            await store.discard(files);
            throw error;
          }
        } else {
          ({ sources: references, arch } = batchReferencesBody.parse(request.body));
        }
        const checkSource = (source: string) => requireSourceInScope(token, source);
        const { batch, created } = await submitBatch(
          db,
          store,
          { tokenId: token.id, files, references, idempotencyKey, checkSource, arch },
          policy,
        );
        if (!created) reply.header('idempotent-replayed', 'true');
        return reply.code(202).header('location', `/v1/batches/${batch.id}`).send(presentBatch(batch));
      },
    );
  });

  app.get(
    '/batches/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['batches'],
        summary: 'Get a batch',
        description: 'The members of a batch with their jobs, states and what each waits for.',
        params: batchIdParams,
        response: { 200: batchSchema, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => presentBatch(await getBatch(db, request.params.id)),
  );
};
