// Where the files of an attempt lie: DATA_DIR/artifacts/<job>/<attempt>/, the source package it
// built in source/ beneath. The dispatcher has the builder write them there, the publisher
// reads them, and the API serves them.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Db } from '../db/in-transaction.ts';
import { DomainError } from '../domain-error.ts';
import { type ArtifactInfo, listArtifacts } from './attempts.ts';

export function artifactsDirOf(dataDir: string): string {
  return path.join(dataDir, 'artifacts');
}

/** The folder one attempt's artifacts are written to. */
export function attemptArtifactDir(artifactsDir: string, jobId: number, attempt: number): string {
  return path.join(artifactsDir, String(jobId), String(attempt));
}

/** The file of a recorded artifact. */
export function artifactFile(artifactsDir: string, jobId: number, artifact: Pick<ArtifactInfo, 'attempt' | 'kind' | 'name'>): string {
  const dir = attemptArtifactDir(artifactsDir, jobId, artifact.attempt);
  return path.join(dir, artifact.kind === 'source' ? 'source' : '', artifact.name);
}

/**
 * A file a job's latest attempt with artifacts (or `attempt`) produced, by name, opened for
 * reading. The name is matched against the recorded list: it never reaches the path unchecked.
 */
export async function openArtifact(
  db: Db,
  artifactsDir: string,
  request: { jobId: number; name: string; attempt?: number | undefined },
): Promise<{ artifact: ArtifactInfo; content: Readable }> {
  const { jobId, name } = request;
  const artifact = (await listArtifacts(db, jobId, request.attempt)).find((a) => a.name === name);
  if (!artifact) throw new DomainError('not-found', `job ${jobId} has no artifact ${name}`);
  return { artifact, content: fs.createReadStream(artifactFile(artifactsDir, jobId, artifact)) };
}
