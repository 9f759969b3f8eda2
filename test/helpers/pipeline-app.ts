// A test app with the real build pipeline on the local Docker engine, and the few steps the
// scheduler tests take through the public API.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { DockerBuilder } from '../../src/builders/docker-builder.ts';
import { ensureBuilderImage } from '../builder-image.support.ts';
import { multipartBody, type SourcePackage } from './source-package.ts';
import { bearer, createTestApp, type TestApp } from './test-app.ts';

/** A Docker build may show no progress (a state change, an attempt, a log line) for this long. */
export const BUILD_STALL_MS = 180_000;

/** The service with one Docker engine of `capacity`, started. */
export async function startPipelineApp(name: string, capacity: number): Promise<TestApp> {
  const { profile } = await ensureBuilderImage();
  // A build that met a network fault (the mirror out of reach) is tried again after seconds, not a minute.
  const t = await createTestApp(
    { SCHEDULER_BACKOFF: '2s' },
    { builds: { profiles: [profile], engines: [new DockerBuilder(`${name}-${process.pid}`, capacity, new Docker())], pollMs: 300 } },
  );
  await t.pipeline!.start();
  return t;
}

export async function uploadSource(t: TestApp, pkg: { files: readonly SourcePackage['files'][number][] }): Promise<number> {
  const body = multipartBody(pkg.files);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: { ...bearer(t.submitToken), ...body.headers },
    payload: body.payload,
  });
  assert.equal(res.statusCode, 202, res.body);
  t.pipeline?.dispatcher.wake();
  return res.json().id as number;
}

/** A file a job's latest attempt produced, as served. */
export async function jobArtifact(t: TestApp, id: number, name: string): Promise<Buffer> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/artifacts/${name}`, headers: bearer(t.submitToken) });
  assert.equal(res.statusCode, 200, res.body);
  return res.rawPayload;
}

/** One file of a .deb's data, extracted with dpkg-deb. */
export function debMember(deb: Buffer, member: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-deb-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.deb'), deb);
    execFileSync('dpkg-deb', ['-x', path.join(dir, 'x.deb'), path.join(dir, 'root')]);
    return fs.readFileSync(path.join(dir, 'root', member));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Control fields of a .deb, as `dpkg-deb -f` prints them. */
export function debFields(deb: Buffer, ...fields: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-deb-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.deb'), deb);
    return execFileSync('dpkg-deb', ['-f', path.join(dir, 'x.deb'), ...fields]).toString('utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
