// Uploads and streams are bounded: a trickling client is cut off (408) and leaves nothing, a
// token streams at most MAX_UPLOADS_PER_TOKEN uploads at once (429), staging as a whole holds
// at most MAX_STAGING_BYTES (413), and log followers are counted (429).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { insertJob } from './helpers/dependency-fixtures.ts';
import { startService, type RunningService } from './helpers/running-service.ts';
import { waitFor } from './helpers/wait-for.ts';

const BOUNDARY = 'stubbuildtrickle';

/** A raw connection that starts a multipart upload of one file and sends `firstBytes` of it. */
function startUpload(
  service: RunningService,
  token: string,
  firstBytes: number,
): { socket: net.Socket; response: () => string; closed: Promise<void>; send(bytes: number): void } {
  const { port } = new URL(service.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  let response = '';
  socket.on('data', (d) => (response += d.toString('latin1')));
  socket.on('error', () => undefined); // the server may reset a connection it closes mid-upload
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 100000000\r\n\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="big_1.0.orig.tar.gz"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const send = (bytes: number) => {
    if (!socket.destroyed) socket.write(Buffer.alloc(bytes, 0x61));
  };
  send(firstBytes);
  return { socket, response: () => response, closed, send };
}

function stagingFiles(service: RunningService): string[] {
  const dir = path.join(service.dataDir, 'tmp');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe('a minimum upload rate (UPLOAD_MIN_BYTES_PER_SECOND over UPLOAD_RATE_WINDOW)', () => {
  let service: RunningService;
  after(() => service?.close());

  test('50 connections trickling an upload are answered 408 and closed by the server, and leave no staging file', async () => {
    service = await startService({ UPLOAD_MIN_BYTES_PER_SECOND: '1024', UPLOAD_RATE_WINDOW: '1s', MAX_UPLOADS_PER_TOKEN: '64' });
    const uploads = Array.from({ length: 50 }, () => startUpload(service, service.submitToken, 4096));
    // 20 bytes every 200 ms: 100 bytes/s, far below the minimum; it would take days to finish.
    let mostStaged = 0;
    const trickle = setInterval(() => {
      uploads.forEach((u) => u.send(20));
      mostStaged = Math.max(mostStaged, stagingFiles(service).length);
    }, 200);
    let closedCount = 0;
    uploads.forEach((u) => void u.closed.then(() => (closedCount += 1)));
    try {
      await waitFor('the server to close every trickling connection', () => closedCount === 50, {
        progress: () => closedCount,
        stallMs: 10_000,
        intervalMs: 100,
      });
    } finally {
      clearInterval(trickle);
      uploads.forEach((u) => u.socket.destroy());
    }
    assert.ok(mostStaged > 0, 'the uploads were being staged');
    for (const u of uploads) {
      assert.match(u.response(), /^HTTP\/1\.1 408 /, 'answered 408 before closing');
      assert.match(u.response(), /urn:stubbuild:problem:too-slow/);
      assert.match(u.response(), /below the 1024 bytes\/s this service requires/);
    }
    await waitFor('the staging files to be removed', () => stagingFiles(service).length === 0);
    assert.equal((await service.db.selectFrom('jobs').select('id').execute()).length, 0, 'no job');
  });
});

describe('uploads at once per token, and staging bytes overall', () => {
  let service: RunningService;
  after(() => service?.close());

  test("the 9th concurrent upload of one token gets 429; another token's upload is taken", async () => {
    service = await startService({ UPLOAD_RATE_WINDOW: '10m', MAX_UPLOADS_PER_TOKEN: '8' });
    const held = Array.from({ length: 8 }, () => startUpload(service, service.submitToken, 1024));
    after(() => held.forEach((u) => u.socket.destroy()));
    await waitFor('eight uploads staging', () => stagingFiles(service).length === 8);
    const ninth = startUpload(service, service.submitToken, 1024);
    await ninth.closed;
    assert.match(ninth.response(), /^HTTP\/1\.1 429 /);
    assert.match(ninth.response(), /urn:stubbuild:problem:too-many-requests/);
    assert.match(ninth.response(), /already has 8 uploads in progress/);
    const other = startUpload(service, service.adminToken, 1024);
    await waitFor("another token's upload staging", () => stagingFiles(service).length === 9);
    for (const u of [...held, other]) u.socket.destroy();
    await waitFor('every staging file to be removed once the clients went', () => stagingFiles(service).length === 0);
    // The slots are free again.
    const again = startUpload(service, service.submitToken, 1024);
    await waitFor('a new upload of the token', () => stagingFiles(service).length === 1);
    again.socket.destroy();
    await waitFor('its staging file to go', () => stagingFiles(service).length === 0);
  });

  test('an upload that would pass MAX_STAGING_BYTES is refused with 413 and leaves nothing', async () => {
    const limited = await startService({
      UPLOAD_RATE_WINDOW: '10m',
      MAX_UPLOAD_FILE_BYTES: '65536',
      MAX_UPLOAD_TOTAL_BYTES: '65536',
      MAX_STAGING_BYTES: '98304',
    });
    try {
      const first = startUpload(limited, limited.submitToken, 60_000);
      after(() => first.socket.destroy());
      await waitFor(
        'the first upload to stage 60 kB',
        () =>
          stagingFiles(limited).length === 1 && fs.statSync(path.join(limited.dataDir, 'tmp', stagingFiles(limited)[0]!)).size === 60_000,
      );
      const second = startUpload(limited, limited.adminToken, 60_000);
      await second.closed;
      assert.match(second.response(), /^HTTP\/1\.1 413 /);
      assert.match(second.response(), /MAX_STAGING_BYTES 98304/);
      assert.equal(stagingFiles(limited).length, 1, "the refused upload's file is gone, the first one's stays");
      first.socket.destroy();
      await waitFor('the first staging file to go', () => stagingFiles(limited).length === 0);
    } finally {
      await limited.close();
    }
  });
});

test('at most MAX_LOG_FOLLOWERS streams follow running builds at once (429 beyond)', async () => {
  const service = await startService({ MAX_LOG_FOLLOWERS: '2' });
  try {
    const jobId = await insertJob(service.db, { state: 'building', source: 'libfollow', version: '1.0' });
    await service.db.insertInto('attempts').values({ job_id: jobId, number: 1, engine_id: 'scripted', state: 'running' }).execute();
    const aborts = [new AbortController(), new AbortController()];
    const streams = await Promise.all(aborts.map((a) => fetch(`${service.url}/v1/jobs/${jobId}/log?follow=true`, { signal: a.signal })));
    assert.deepEqual(
      streams.map((s) => s.status),
      [200, 200],
    );
    const third = await fetch(`${service.url}/v1/jobs/${jobId}/log?follow=true`);
    assert.equal(third.status, 429);
    assert.match(((await third.json()) as { detail: string }).detail, /MAX_LOG_FOLLOWERS/);
    assert.equal((await fetch(`${service.url}/v1/jobs/${jobId}/log`)).status, 200, 'reading without following is not counted');
    aborts[0]!.abort();
    await waitFor(
      'a follower slot to free up',
      async () =>
        (await fetch(`${service.url}/v1/jobs/${jobId}/log?follow=true`, { signal: AbortSignal.timeout(500) }).catch(() => undefined))
          ?.status === 200,
    );
    aborts[1]!.abort();
  } finally {
    await service.close();
  }
});
