// An engine over TCP+TLS that cannot be used shows why in GET /v1/admin/engines — the
// certificate the engine refused, the CA its certificate fails, the refused connection — and no
// job is failed for it: jobs wait queued. A second dockerd on 127.0.0.1 with TLS plays the
// remote engine; it is stopped and its data removed at the end, whatever happens.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDockerBuilders } from '../src/builders/engine-config.ts';
import { freePort } from './helpers/free-port.ts';
import { attemptsOf, jobState, queueJob, submitTokenId } from './helpers/scheduled-app.ts';
import { loadStubdomProfile } from './helpers/stubdom-arches.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';
import { startTlsDockerd, type TlsDockerd } from './helpers/tls-dockerd.ts';
import { waitFor } from './helpers/wait-for.ts';

let engine: TlsDockerd | undefined;
let app: TestApp | undefined;
before(async () => {
  engine = await startTlsDockerd();
});
after(async () => {
  await app?.close();
  await engine?.stop();
});

test('unusable TLS engines are unhealthy with a detail naming the TLS failure, and no job fails for them', async () => {
  const { host, client, untrusted, otherCa } = engine!;
  const closedPort = await freePort();
  const builders = createDockerBuilders([
    { id: 'wrong-client-cert', host, capacity: 1, tls: untrusted },
    { id: 'wrong-ca', host, capacity: 1, tls: { ...client, ca: otherCa } },
    { id: 'no-listener', host: `tcp://127.0.0.1:${closedPort}`, capacity: 1, tls: client },
    { id: 'no-image', host, capacity: 1, tls: client },
  ]);
  const profile = await loadStubdomProfile();
  app = await createTestApp({}, { builds: { profiles: [profile], engines: builders, pollMs: 100 } });
  await app.pipeline!.start();
  const job = await queueJob(app, await submitTokenId(app), 'waits-for-an-engine');

  const res = await app.app.inject({ method: 'GET', url: '/v1/admin/engines', headers: bearer(app.adminToken) });
  assert.equal(res.statusCode, 200);
  const engines = new Map((res.json().items as { id: string; healthy: boolean; detail: string }[]).map((e) => [e.id, e] as const));
  for (const e of engines.values()) assert.equal(e.healthy, false, e.id);
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  assert.match(
    engines.get('wrong-client-cert')!.detail,
    new RegExp(
      `^engine unreachable: TLS handshake with ${escaped(host)} failed: the engine refused the client certificate ` +
        `\\(tls\\.cert ${escaped(untrusted.cert)}; alert "(bad certificate|unknown ca)"`,
    ),
  );
  assert.match(
    engines.get('wrong-ca')!.detail,
    new RegExp(
      `^engine unreachable: TLS handshake with ${escaped(host)} failed: the engine's certificate is not signed by a CA in tls\\.ca ${escaped(otherCa)}`,
    ),
  );
  assert.match(
    engines.get('no-listener')!.detail,
    new RegExp(`^engine unreachable: connection refused at tcp://127\\.0\\.0\\.1:${closedPort}`),
  );
  assert.match(
    engines.get('no-image')!.detail,
    new RegExp(`^image ${escaped(profile.image)} is missing \\(.*stubbuild image push --engine no-image\\)$`),
  );

  // The scheduler looks for work several times and leaves the job queued, without an attempt.
  const rounds = app.pipeline!.dispatcher.claimRounds;
  await waitFor('three claim rounds', () => app!.pipeline!.dispatcher.claimRounds >= rounds + 3);
  assert.equal(await jobState(app, job), 'queued');
  assert.deepEqual(await attemptsOf(app, job), []);
});
