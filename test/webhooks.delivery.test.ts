// Webhooks: the admin API and the WEBHOOKS setting, and a local receiver that gets every state
// change of a job built for real (quick builds on Docker), each delivery id once with a valid
// signature. While the receiver is down the job is built and published all the same (the
// deliveries wait in the database); once it is back, they arrive.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import pino from 'pino';
import { loadArchProfiles } from '../src/builders/arch-profile.ts';
import { DockerBuilder } from '../src/builders/docker-builder.ts';
import { type RunningWebhookSender, runWebhookSender } from '../src/webhooks/webhook-sender.ts';
import { syncConfiguredWebhooks } from '../src/webhooks/webhooks.ts';
import { freePort } from './helpers/free-port.ts';
import { ensureQuickImage, type QuickImage } from './helpers/quick-builds.ts';
import { multipartBody } from './helpers/source-package.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { waitFor } from './helpers/wait-for.ts';
import { quickSource } from './helpers/quick-builds.ts';

let quick: QuickImage;
before(async () => {
  quick = await ensureQuickImage(0.2);
});
after(() => fs.rmSync(quick.archesDir, { recursive: true, force: true }));

test('webhooks are added (201, the secret shown once), listed without secrets, removed (204); WEBHOOKS adds configured ones', async (t) => {
  const app = await createTestApp();
  t.after(() => app.close());
  const created = await app.app.inject({
    method: 'POST',
    url: '/v1/admin/webhooks',
    headers: bearer(app.adminToken),
    payload: { url: 'http://127.0.0.1:9/hook' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const hook = created.json();
  assert.match(hook.secret, /^whsec_[A-Za-z0-9_-]{32}$/);
  assert.equal(
    (
      await app.app.inject({
        method: 'POST',
        url: '/v1/admin/webhooks',
        headers: bearer(app.submitToken),
        payload: { url: 'http://127.0.0.1:9/x' },
      })
    ).statusCode,
    403,
  );
  assert.equal(
    (
      await app.app.inject({
        method: 'POST',
        url: '/v1/admin/webhooks',
        headers: bearer(app.adminToken),
        payload: { url: 'ftp://example.org/' },
      })
    ).statusCode,
    400,
  );

  await syncConfiguredWebhooks(app.db, [{ url: 'http://127.0.0.1:9/configured', secret: 'a configured secret' }]);
  await syncConfiguredWebhooks(app.db, [{ url: 'http://127.0.0.1:9/configured', secret: 'a changed secret!!' }]);
  const listed = await app.app.inject({ method: 'GET', url: '/v1/admin/webhooks', headers: bearer(app.adminToken) });
  assert.equal(listed.statusCode, 200);
  assert.deepEqual(
    listed.json().items.map((w: Record<string, unknown>) => [w.url, w.origin, 'secret' in w]),
    [
      ['http://127.0.0.1:9/hook', 'api', false],
      ['http://127.0.0.1:9/configured', 'config', false],
    ],
  );
  await syncConfiguredWebhooks(app.db, []);
  assert.equal(
    (await app.app.inject({ method: 'DELETE', url: `/v1/admin/webhooks/${hook.id}`, headers: bearer(app.adminToken) })).statusCode,
    204,
  );
  assert.equal(
    (await app.app.inject({ method: 'DELETE', url: `/v1/admin/webhooks/${hook.id}`, headers: bearer(app.adminToken) })).statusCode,
    404,
  );
  assert.deepEqual((await app.app.inject({ method: 'GET', url: '/v1/admin/webhooks', headers: bearer(app.adminToken) })).json().items, []);
});

interface Received {
  delivery: string;
  signature: string;
  body: string;
}

/** A receiver on `port` that records every request and answers 204. */
async function startReceiver(port: number, received: Received[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        delivery: String(req.headers['x-stubbuild-delivery']),
        signature: String(req.headers['x-stubbuild-signature']),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

test('a receiver down while a job builds gets every transition once it is back, each delivery id once, validly signed; the build did not wait for it', async (t) => {
  const profile = (await loadArchProfiles(quick.archesDir)).get('stubdom-amd64')!;
  const app: TestApp = await createTestApp(
    {},
    { builds: { profiles: [profile], engines: [new DockerBuilder(`webhooks-${process.pid}`, 1, new Docker())], pollMs: 300 } },
  );
  let sender: RunningWebhookSender | undefined;
  let receiver: Server | undefined;
  t.after(async () => {
    await sender?.stop();
    await app.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  });
  await app.pipeline!.start();
  sender = runWebhookSender({
    db: app.db,
    logger: pino({ level: 'silent' }),
    listen: undefined,
    settings: { timeoutMs: 2000, backoffMs: 200, maxAttempts: 50, pollMs: 100 },
  });

  const port = await freePort(); // nothing listens there yet: the receiver is down
  const created = (
    await app.app.inject({
      method: 'POST',
      url: '/v1/admin/webhooks',
      headers: bearer(app.adminToken),
      payload: { url: `http://127.0.0.1:${port}/stubbuild` },
    })
  ).json();
  const files = quickSource('hooked');
  const body = multipartBody(files);
  const submitted = await app.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: { ...bearer(app.submitToken), ...body.headers },
    payload: body.payload,
  });
  assert.equal(submitted.statusCode, 202, submitted.body);
  const jobId = submitted.json().id as number;
  app.pipeline!.dispatcher.wake();

  const deliveries = () =>
    app.db.selectFrom('webhook_deliveries').select(['state', 'attempts', 'last_error']).where('job_id', '=', jobId).execute();
  const jobState = async () => (await app.db.selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirstOrThrow()).state;
  await waitFor('the job to be published', async () => (await jobState()) === 'published', {
    progress: jobState,
    stallMs: 120_000,
    intervalMs: 200,
  });
  // Published while no delivery could be made: the deliveries waited, the build did not.
  const meanwhile = await deliveries();
  assert.equal(meanwhile.length, 4, 'one per event: created queued, building, publishing, published');
  assert.ok(
    meanwhile.every((d) => d.state === 'pending'),
    'nothing delivered while the receiver is down',
  );
  assert.ok(
    meanwhile.some((d) => d.attempts > 0 && /could not reach the receiver/.test(String(d.last_error))),
    'tried, and failed, while it was down',
  );

  const received: Received[] = [];
  receiver = await startReceiver(port, received);
  await waitFor(
    'every delivery to arrive',
    async () => (await deliveries()).every((d) => d.state === 'delivered') && received.length >= 4,
    {
      progress: () => received.length,
      stallMs: 30_000,
    },
  );

  const events = await app.db
    .selectFrom('job_events')
    .select(['from_state', 'to_state', 'reason'])
    .where('job_id', '=', jobId)
    .orderBy('id')
    .execute();
  assert.equal(received.length, events.length, 'each delivery once');
  assert.equal(new Set(received.map((r) => r.delivery)).size, received.length, 'every delivery id once');
  for (const r of received) {
    assert.equal(r.signature, `sha256=${createHmac('sha256', created.secret).update(r.body).digest('hex')}`);
    assert.equal(JSON.parse(r.body).deliveryId, r.delivery);
  }
  const payloads = received.map((r) => JSON.parse(r.body));
  assert.deepEqual(
    payloads.map((p) => [p.jobId, p.from, p.to, p.reason]),
    events.map((e) => [jobId, e.from_state, e.to_state, e.reason]),
    "every transition, in the job's order",
  );
  assert.equal(payloads[0].job.source, 'hooked');
  assert.ok(payloads.every((p) => typeof p.at === 'string' && !Number.isNaN(Date.parse(p.at))));
});
