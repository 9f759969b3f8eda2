import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import type { ArchiveSuites } from '../../jobs/archive/archive-settings.ts';
import type { BuildArchitectures } from '../../jobs/build-architectures.ts';
import { getJobDetail } from '../../jobs/get-job-detail.ts';
import { listJobs } from '../../jobs/list-jobs.ts';
import type { Keyring } from '../../jobs/openpgp-keyring.ts';
import type { SourceStore } from '../../jobs/source-store.ts';
import { submitArchiveReference } from '../../jobs/submit-reference.ts';
import { submitUpload } from '../../jobs/submit-upload.ts';
import { type ExplainDeps, explainIfWaiting } from '../../scheduler/explain-job.ts';
import { requireToken } from '../auth.ts';
import { requireSourceInScope, type TokenInfo } from '../../tokens/tokens.ts';
import { HttpProblem } from '../problem.ts';
import { withMultipart, receiveUploadWithFields, type UploadLimits } from '../receive-upload.ts';
import {
  archiveReferenceBody,
  parseTakeoverField,
  jobIdParams,
  jobListQuery,
  jobListSchema,
  jobSchema,
  presentJob,
  presentJobSummary,
} from '../schemas/job.ts';
import { jobDetailSchema, presentJobDetail } from '../schemas/job-detail.ts';
import { problemResponses } from '../schemas/problem.ts';
import { type JobReadCache, sendSerialized, serialize } from '../job-read-cache.ts';

export interface JobRoutesOptions {
  db: Db;
  store: SourceStore;
  uploadLimits: UploadLimits;
  /** Uploads must be signed by one of its keys (UPLOADER_KEYRING); none: unsigned uploads are taken. */
  uploaderKeyring?: Keyring | undefined;
  archives: ArchiveSuites;
  /** The architectures this service builds. */
  arches: BuildArchitectures;
  /** What explaining a waiting job needs: the repository's suite, the engines when built here. */
  explain: Omit<ExplainDeps, 'now'>;
  /** Answers of job reads kept until the job changes; omitted: every read asks the database. */
  readCache?: JobReadCache | undefined;
}

const submitHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters')
    .optional()
    .describe('Retrying with the same key returns the job the first request created'),
});

const uploadForm = z
  .object({
    files: z
      .array(z.string().meta({ format: 'binary' }))
      .describe('The .dsc and every file it lists; any part names, the .dsc is the file whose name ends in .dsc'),
    allowTakeover: z
      .string()
      .optional()
      .describe('Admin only: binary package names (separated by spaces or commas) this build may take over from the source that owns them'),
    arch: z.string().optional().describe("The architecture to build for (one of ARCHES); the service's first when omitted"),
  })
  .meta({ id: 'SourceUpload' });

/** Only an admin lets a build take binary names over from another source. */
function checkTakeover(token: TokenInfo, names: string[] | undefined): string[] | undefined {
  if (names !== undefined && token.role !== 'admin')
    throw new HttpProblem(403, 'forbidden', 'only an admin may allow a build to take over packages of another source');
  return names;
}

export const jobRoutes: FastifyPluginAsyncZod<JobRoutesOptions> = async (
  app,
  { db, store, uploadLimits, uploaderKeyring, archives, arches, explain, readCache },
) => {
  // Multipart is parsed for this route alone (withMultipart).
  await withMultipart(app, uploadLimits, (uploads) => {
    uploads.post(
      '/jobs',
      {
        config: { access: 'submit' },
        schema: {
          tags: ['jobs'],
          summary: 'Submit a build job',
          description:
            'Either JSON naming a source package in a configured Debian archive (the job starts `fetching`), ' +
            'or multipart/form-data carrying a .dsc and the files it lists (the job starts `queued`). ' +
            'A suite that is not configured is refused (422 unknown-suite); the fetcher then downloads the ' +
            'source from the archive, checks it against the signed index and moves the job to `queued` or `failed`. ' +
            'When the service has an uploader keyring, an uploaded .dsc must be clear-signed by one of its keys ' +
            '(422 bad-signature otherwise). ' +
            'A token scoped to source names (its `sources` globs) may submit only those (403 otherwise). ' +
            'An admin may let the build publish binary names another source owns (`allowTakeover`). ' +
            'Answers 202 with the job and a Location header. With an Idempotency-Key header, a retry ' +
            'from the same token returns the same job.',
          headers: submitHeaders,
          body: {
            content: {
              'application/json': { schema: archiveReferenceBody },
              // The parts are streamed by the handler; `document` describes them for OpenAPI.
              'multipart/form-data': { schema: z.unknown(), document: uploadForm },
            },
          } as never,
          response: { 202: jobSchema, ...problemResponses(400, 401, 403, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const token = requireToken(request);
        const idempotencyKey = (request.headers as { 'idempotency-key'?: string })['idempotency-key'];
        const checkSource = (source: string) => requireSourceInScope(token, source);
        let submitted;
        if (request.isMultipart()) {
          const { files, fields } = await receiveUploadWithFields(request, store, uploadLimits, ['allowTakeover', 'arch']);
          let allowTakeover;
          try {
            allowTakeover = checkTakeover(token, parseTakeoverField(fields.allowTakeover));
          } catch (error) {
            await store.discard(files);
            throw error;
          }
          submitted = await submitUpload(
            db,
            store,
            { tokenId: token.id, files, idempotencyKey, checkSource, allowTakeover, arch: fields.arch },
            { uploaderKeyring, arches },
          );
        } else {
          const reference = archiveReferenceBody.parse(request.body);
          checkTakeover(token, reference.allowTakeover);
          submitted = await submitArchiveReference(db, { tokenId: token.id, reference, idempotencyKey, checkSource }, archives, arches);
        }
        const { job, created } = submitted;
        if (!created) reply.header('idempotent-replayed', 'true');
        return reply.code(202).header('location', `/v1/jobs/${job.id}`).send(presentJob(job));
      },
    );
  });

  app.get(
    '/jobs',
    {
      config: { access: 'read' },
      schema: {
        tags: ['jobs'],
        summary: 'List jobs',
        description:
          'Job summaries, newest first, filtered by state, source and architecture, in pages of `limit` (1–500); ' +
          'follow `nextCursor`. A summary leaves out what GET /v1/jobs/{id} adds (binaries, build-dependencies, stored files).',
        querystring: jobListQuery,
        response: { 200: jobListSchema, ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const read = async () => {
        const page = await listJobs(db, request.query);
        return { items: page.items.map(presentJobSummary), nextCursor: page.nextCursor };
      };
      if (!readCache) return read();
      return sendSerialized(reply, await readCache.list(request.url, async () => ({ json: serialize(reply, await read()) })));
    },
  );

  app.get(
    '/jobs/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['jobs'],
        summary: 'Get a job',
        description:
          'The job with its stored files, every state change, its build attempts, the artifacts of the ' +
          'latest attempt, provenance, and for dep-wait the missing build-dependencies. For a queued or ' +
          'dep-wait job, `explanation` says in plain words why it is not building: what it waits for, how ' +
          'many ready jobs are ahead of it, whether an engine can take it (seconds old: read again every 10 s). ' +
          'Answered from memory until the job changes (READ_CACHE_BYTES).',
        params: jobIdParams,
        response: { 200: jobDetailSchema, ...problemResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const read = async () => {
        const detail = await getJobDetail(db, id);
        return presentJobDetail(detail, await explainIfWaiting(db, detail.job, explain));
      };
      if (!readCache) return read();
      const json = await readCache.job(id, async () => {
        const body = await read();
        return { json: serialize(reply, body), waiting: body.explanation !== null };
      });
      return sendSerialized(reply, json);
    },
  );
};
