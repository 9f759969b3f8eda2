// The test service listening on 127.0.0.1 (a random port), for clients that speak HTTP for
// real: apt, and uploads through fetch.
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { bearer, createTestApp, type TestApp } from './test-app.ts';

export interface RunningService extends TestApp {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The repository's base URL for sources.list: URL/apt */
  aptUrl: string;
}

export async function startService(env: Record<string, string> = {}): Promise<RunningService> {
  const t = await createTestApp(env);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return { ...t, url, aptUrl: `${url}/apt` };
}

/** POST /v1/admin/packages over HTTP, one file part per .deb (named upload-N.deb). */
export async function uploadDebs(
  service: { url: string; adminToken: string },
  debs: readonly Buffer[],
  opts: { force?: boolean } = {},
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  debs.forEach((bytes, i) => form.append(`file${i}`, new Blob([new Uint8Array(bytes)]), `upload-${i}.deb`));
  const res = await fetch(`${service.url}/v1/admin/packages${opts.force ? '?force=true' : ''}`, {
    method: 'POST',
    headers: bearer(service.adminToken),
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

/** Fetches /apt/key.asc into `dir` and returns the file's path (for signed-by). */
export async function fetchRepoKey(service: { aptUrl: string }, dir: string): Promise<string> {
  const res = await fetch(`${service.aptUrl}/key.asc`);
  if (res.status !== 200) throw new Error(`GET /apt/key.asc answered ${res.status}`);
  const path = join(dir, 'stubbuild-key.asc');
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return path;
}
