// Many sources submitted together, built in the order their build-dependencies on each
// other's binaries ask for. Every member is checked before anything is kept: a refused batch
// (one bad upload, an unknown suite, a cycle) leaves no job and no stored file.
//
// Archive references are not ordered: what they build (`Binary:`) and need is known only once
// they are fetched. They start `fetching` like any reference; a member that needs their
// output and builds first meets apt's dep-wait and is queued again, by the same mechanism,
// when the reference's packages are published.
import fs from 'node:fs/promises';
import type {} from '../db/dependency-tables.ts';
import { type Db, inTransaction } from '../db/in-transaction.ts';
import { type Dsc, parseDsc } from '../debian/dsc.ts';
import { checkUploadFileName } from '../debian/file-name.ts';
import { DebianParseError } from '../debian/parse-error.ts';
import { DomainError } from '../domain-error.ts';
import type { ArchiveSuites } from '../jobs/archive/archive-settings.ts';
import { checkUpload } from '../jobs/check-upload.ts';
import { type Batch, getBatch } from '../jobs/get-batch.ts';
import { claimIdempotencyKey, recordIdempotentResult } from '../jobs/idempotency-key.ts';
import type { Keyring } from '../jobs/openpgp-keyring.ts';
import { hashRequest } from '../jobs/request-hash.ts';
import type { SourceStore, StagedFile } from '../jobs/source-store.ts';
import { type ArchiveReference, checkArchiveReference } from '../jobs/submit-reference.ts';
import { submitJob } from '../jobs/submit-job.ts';
import { verifyDscSignature } from '../jobs/verify-dsc-signature.ts';
import { type BuildArchitectures, resolveBuildArch } from '../jobs/build-architectures.ts';
import { type BatchMember, orderBatch } from './batch-order.ts';
import { checkRelations, loadPublishedPackages, type MatchOptions, relationNames } from './dep-wait.ts';

const MAX_DSC_BYTES = 1024 * 1024;

export interface BatchSubmission {
  tokenId: string;
  /** Staged files of every uploaded source package: each .dsc with the files it lists. */
  files: StagedFile[];
  references: ArchiveReference[];
  idempotencyKey?: string | undefined;
  /** Throws when the submitter may not build this source (a token's source globs). */
  checkSource?: ((source: string) => void) | undefined;
  /** The architecture every member builds for; the service's default when not given. */
  arch?: string | undefined;
}

export interface BatchPolicy {
  uploaderKeyring?: Keyring | undefined;
  archives: ArchiveSuites;
  /** The architectures this service builds. */
  arches: BuildArchitectures;
  /** What `:native` means: the architecture the builders run on. */
  buildArch: string;
  /** The repository suite whose published packages may already satisfy a member. */
  suite: string;
  /** Build profiles the builder activates for an architecture (its profile's: cross, nocheck, …). */
  buildProfiles: (arch: string) => readonly string[];
}

interface UploadMember {
  dsc: Dsc;
  files: StagedFile[];
}

/** Splits the files into source packages, one per .dsc, each checked as an upload is. */
async function groupUploads(files: readonly StagedFile[], policy: BatchPolicy, arch: string): Promise<UploadMember[]> {
  const byName = new Map<string, StagedFile>();
  for (const file of files) {
    const problem = checkUploadFileName(file.name);
    if (problem) throw new DomainError('invalid-source', `file name ${JSON.stringify(file.name)}: ${problem}`, { file: file.name });
    if (byName.has(file.name)) throw new DomainError('invalid-source', `${file.name} is uploaded twice`, { file: file.name });
    byName.set(file.name, file);
  }
  const members: UploadMember[] = [];
  const listed = new Set<string>();
  for (const dscFile of files.filter((f) => f.name.endsWith('.dsc'))) {
    if (dscFile.size > MAX_DSC_BYTES) {
      throw new DomainError('too-large', `${dscFile.name} is larger than ${MAX_DSC_BYTES} bytes`, { file: dscFile.name });
    }
    const text = await fs.readFile(dscFile.tmpPath, 'utf8');
    if (policy.uploaderKeyring) await verifyDscSignature(dscFile.name, text, policy.uploaderKeyring);
    let names: string[];
    try {
      names = parseDsc(text).files.map((f) => f.name);
    } catch (error) {
      if (error instanceof DebianParseError)
        throw new DomainError('invalid-source', `${dscFile.name}: ${error.message}`, { file: dscFile.name });
      throw error;
    }
    const group = [dscFile, ...names.flatMap((n) => byName.get(n) ?? [])];
    // checkUpload names what is missing or does not match.
    const dsc = checkUpload(text, group, { arch, table: policy.arches.table });
    names.forEach((n) => listed.add(n));
    members.push({ dsc, files: group });
  }
  for (const file of files) {
    if (!file.name.endsWith('.dsc') && !listed.has(file.name)) {
      throw new DomainError('invalid-source', `${file.name} is not listed in any .dsc of the batch`, { file: file.name });
    }
  }
  return members;
}

/**
 * Records a batch: uploads are verified and stored, archive references checked, members
 * ordered (a cycle is refused), then every job is written in one transaction. A member that
 * needs another member's binaries starts `dep-wait` with that relation stored (unless the
 * repository already has that version), so it is queued when the other one is published.
 */
export async function submitBatch(
  db: Db,
  store: SourceStore,
  input: BatchSubmission,
  policy: BatchPolicy,
): Promise<{ batch: Batch; created: boolean }> {
  try {
    const arch = resolveBuildArch(policy.arches, input.arch);
    const match: MatchOptions = { hostArch: arch, buildArch: policy.buildArch };
    const uploads = await groupUploads(input.files, policy, arch);
    // The same reference twice is one member (one job); the same source asked for differently is refused below.
    const checked = input.references.map((r) => checkArchiveReference({ ...r, arch }, policy.archives, policy.arches));
    const references = checked.filter(
      (r, i) => checked.findIndex((o) => o.source === r.source && o.version === r.version && o.suite === r.suite) === i,
    );
    if (uploads.length + references.length === 0) {
      throw new DomainError('invalid-batch', 'the batch has no member: send .dsc files with their files, or archive references');
    }
    const members: (BatchMember & { upload?: UploadMember; reference?: (typeof references)[number] })[] = [
      ...uploads.map((u) => ({
        source: u.dsc.source,
        version: u.dsc.version,
        binaries: u.dsc.binaries,
        buildDepends: u.dsc.buildDepends,
        buildDependsArch: u.dsc.buildDependsArch,
        upload: u,
      })),
      ...references.map((r) => ({
        source: r.source,
        version: r.version,
        binaries: null,
        buildDepends: '',
        buildDependsArch: '',
        reference: r,
      })),
    ];
    for (const m of members) input.checkSource?.(m.source);
    const seen = new Set<string>();
    for (const m of members) {
      if (seen.has(m.source)) throw new DomainError('invalid-batch', `source ${m.source} is in the batch twice`, { source: m.source });
      seen.add(m.source);
    }
    const { waits, order } = orderBatch(members, {
      hostArch: arch,
      profiles: new Set(policy.buildProfiles(arch)),
      arches: policy.arches.table,
    });

    const requestHash = hashRequest('batch', [
      `arch ${arch}`,
      ...input.files.map((f) => `${f.name} ${f.sha256}`).sort(),
      ...references.map((r) => `${r.source} ${r.version ?? ''} ${r.suite}`).sort(),
    ]);
    const added: string[] = [];
    for (const file of input.files) if (await store.commit(file)) added.push(file.sha256);
    try {
      return await inTransaction(db, async (trx) => {
        const { tokenId, idempotencyKey } = input;
        const claim = idempotencyKey ? { tokenId, key: idempotencyKey, requestHash, creates: 'batch_id' as const } : undefined;
        if (claim) {
          const earlier = await claimIdempotencyKey(trx, claim);
          if (earlier !== undefined) return { batch: await getBatch(trx, earlier), created: false };
        }
        const { id: batchId } = await trx.insertInto('batches').values({ submitted_by: tokenId }).returning('id').executeTakeFirstOrThrow();
        const published = await loadPublishedPackages(trx, policy.suite, relationNames(waits.flat().map((w) => w.relation)));
        const jobIds = new Map<number, number>();
        for (const index of order) {
          const member = members[index]!;
          // Already published at that version or newer (an earlier build): nothing to wait for.
          const pending = waits[index]!.filter((w) => checkRelations([w.relation], published, match).unmet.length > 0);
          const waitsFor = pending.map((w) => `${w.relation} from job ${jobIds.get(w.on)} (${members[w.on]!.source})`);
          const reason = `submitted in batch ${batchId}${waitsFor.length > 0 ? `; waits for ${waitsFor.join(', ')}` : ''}`;
          const { job } = member.upload
            ? await submitJob(trx, {
                tokenId,
                reason,
                job: {
                  origin: 'upload',
                  source: member.upload.dsc.source,
                  version: member.upload.dsc.version,
                  suite: null,
                  arch,
                  binaries: member.upload.dsc.binaries,
                  buildDepends: member.upload.dsc.buildDepends,
                  buildDependsArch: member.upload.dsc.buildDependsArch,
                  files: member.upload.files.map(({ name, sha256, size }) => ({ name, sha256, size })),
                  state: pending.length > 0 ? 'dep-wait' : 'queued',
                  unmetRelations: pending.map((w) => w.relation),
                  batchId,
                },
              })
            : await submitJob(trx, {
                tokenId,
                reason,
                job: { origin: 'archive', ...member.reference!, files: [], state: 'fetching', batchId },
              });
          jobIds.set(index, job.id);
        }
        if (claim) await recordIdempotentResult(trx, claim, batchId);
        return { batch: await getBatch(trx, batchId), created: true };
      });
    } catch (error) {
      await Promise.all(added.map((sha256) => store.remove(sha256)));
      throw error;
    }
  } finally {
    await store.discard(input.files);
  }
}
