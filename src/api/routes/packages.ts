import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/in-transaction.ts';
import { DomainError } from '../../domain-error.ts';
import type { SourceStore } from '../../jobs/source-store.ts';
import { listPackages } from '../../repo/rows/list-packages.ts';
import { EarlyFiling } from '../../repo/filing/early-filing.ts';
import { publishPackages, unpublishPackage } from '../../repo/publish/publish-repository.ts';
import type { Repository } from '../../repo/repository.ts';
import { HttpProblem } from '../problem.ts';
import { withMultipart, receiveUpload, type UploadLimits } from '../receive-upload.ts';
import {
  addPackagesResultSchema,
  packageIdentityParams,
  packageListQuery,
  packageListSchema,
  packageUploadForm,
  packageUploadQuery,
  presentAddResult,
  presentPackage,
  presentRemoved,
  removedPackagesSchema,
} from '../schemas/package.ts';
import { problemResponses } from '../schemas/problem.ts';

export interface PackageRoutesOptions {
  db: Db;
  repo: Repository;
  store: SourceStore;
  uploadLimits: UploadLimits;
}

export const packageRoutes: FastifyPluginAsyncZod<PackageRoutesOptions> = async (app, { db, repo, store, uploadLimits }) => {
  // Multipart is parsed for this route alone (withMultipart).
  await withMultipart(app, uploadLimits, (uploads) => {
    uploads.post(
      '/admin/packages',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['packages'],
          summary: 'Add packages to the apt repository',
          description:
            'multipart/form-data carrying one or more .deb files (`stubbuild repo add DIR` sends a whole directory in one ' +
            'request; at most MAX_UPLOAD_FILES files). The parts are streamed: a large request is verified while the rest ' +
            'of it arrives. Each is verified (ar framing, control ' +
            'fields, an architecture the service builds or all, a readable data.tar, within the decompression limit), ' +
            'added to the pool and the index, and published, signed. The answer comes once a publication ' +
            'listing them is visible under /apt/. If any file is refused, nothing changes. The same name and ' +
            'version with different content is refused (409) unless `force=true`; an older version than the ' +
            'ones the index keeps is accepted but not listed (`not-indexed`).',
          querystring: packageUploadQuery,
          body: {
            content: {
              // The parts are streamed by the handler; `document` describes them for OpenAPI.
              'multipart/form-data': { schema: z.unknown(), document: packageUploadForm },
            },
          } as never,
          response: { 200: addPackagesResultSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 422) },
        },
      },
      async (request) => {
        if (!request.isMultipart()) {
          throw new HttpProblem(415, 'unsupported-media-type', 'send the .deb files as multipart/form-data');
        }
        // A bulk upload's packages are filed while the rest of it arrives.
        const early = new EarlyFiling(repo, store);
        try {
          const files = await receiveUpload(request, store, uploadLimits, early);
          if (files.length === 0) throw new DomainError('invalid-input', 'the request carries no file: send one or more .deb files');
          const debs = await early.finish();
          const result = await publishPackages(db, repo, { debs, early, force: request.query.force });
          return presentAddResult(result);
        } catch (error) {
          await early.abandon(db);
          throw error;
        } finally {
          await early.settled();
          await store.discard(early.leftInStaging());
        }
      },
    );
  });

  app.get(
    '/packages',
    {
      config: { access: 'read' },
      schema: {
        tags: ['packages'],
        summary: 'List the packages in the apt repository',
        description: 'Binary packages in the index, by name, filtered by name or source, in pages of `limit` (1–500); follow `nextCursor`.',
        querystring: packageListQuery,
        response: { 200: packageListSchema, ...problemResponses(400, 401) },
      },
    },
    async (request) => {
      const page = await listPackages(db, repo, request.query);
      return { items: page.items.map(presentPackage), nextCursor: page.nextCursor };
    },
  );

  app.delete(
    '/admin/packages/:name/:version',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['packages'],
        summary: 'Remove a package from the apt repository',
        description:
          'Takes every architecture of this name and version out of the index and publishes; answers once ' +
          'that publication is visible. The pool file stays for the grace period (REPO_GRACE_PERIOD) for ' +
          'clients that still hold the previous index.',
        params: packageIdentityParams,
        response: { 200: removedPackagesSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => presentRemoved(await unpublishPackage(db, repo, request.params)),
  );
};
