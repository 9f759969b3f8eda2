import fs from 'node:fs/promises';
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { type BuildArchitectures, resolveBuildArch } from './build-architectures.ts';
import { checkUpload, findDsc } from './check-upload.ts';
import type { Job } from './job.ts';
import type { Keyring } from './openpgp-keyring.ts';
import { hashRequest } from './request-hash.ts';
import type { SourceStore, StagedFile } from './source-store.ts';
import { submitJob } from './submit-job.ts';
import { verifyDscSignature } from './verify-dsc-signature.ts';

const MAX_DSC_BYTES = 1024 * 1024;

export interface UploadPolicy {
  /** When set, the .dsc must be clear-signed by one of these keys. */
  uploaderKeyring?: Keyring | undefined;
  /** The architectures this service builds (the upload names one, or gets the default). */
  arches: BuildArchitectures;
}

/**
 * Verifies a staged upload, moves its files into the store and records a `queued` job. Staged
 * files are removed whatever happens; a refused upload leaves no job and no stored file.
 */
export async function submitUpload(
  db: Db,
  store: SourceStore,
  input: {
    tokenId: string;
    files: StagedFile[];
    idempotencyKey?: string | undefined;
    /** Throws when the submitter may not build this source (a token's source globs). */
    checkSource?: ((source: string) => void) | undefined;
    allowTakeover?: string[] | undefined;
    /** The architecture to build for; the service's default when not given. */
    arch?: string | undefined;
  },
  policy: UploadPolicy,
): Promise<{ job: Job; created: boolean }> {
  try {
    const dscFile = findDsc(input.files);
    if (dscFile.size > MAX_DSC_BYTES) {
      throw new DomainError('too-large', `${dscFile.name} is larger than ${MAX_DSC_BYTES} bytes`, { file: dscFile.name });
    }
    const dscText = await fs.readFile(dscFile.tmpPath, 'utf8');
    // Who sent it is settled before anything else of the upload is looked at.
    if (policy.uploaderKeyring) await verifyDscSignature(dscFile.name, dscText, policy.uploaderKeyring);
    const arch = resolveBuildArch(policy.arches, input.arch);
    const dsc = checkUpload(dscText, input.files, { arch, table: policy.arches.table });
    input.checkSource?.(dsc.source);
    const files = input.files.map(({ name, sha256, size }) => ({ name, sha256, size }));
    const requestHash = hashRequest('upload', [...files.map((f) => `${f.name} ${f.sha256}`).sort(), `arch ${arch}`]);
    const added: string[] = [];
    for (const file of input.files) if (await store.commit(file)) added.push(file.sha256);
    return await submitJob(db, {
      tokenId: input.tokenId,
      job: {
        origin: 'upload',
        source: dsc.source,
        version: dsc.version,
        suite: null,
        arch,
        binaries: dsc.binaries,
        buildDepends: dsc.buildDepends,
        buildDependsArch: dsc.buildDependsArch,
        files,
        state: 'queued',
        ...(input.allowTakeover ? { allowTakeover: input.allowTakeover } : {}),
      },
      idempotency: input.idempotencyKey ? { key: input.idempotencyKey, requestHash } : undefined,
    }).catch(async (error: unknown) => {
      await Promise.all(added.map((sha256) => store.remove(sha256)));
      throw error;
    });
  } finally {
    await store.discard(input.files);
  }
}
