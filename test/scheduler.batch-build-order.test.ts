// A batch on the real pipeline: five sources, a chain libstubhello → stubgreeter → stubchaintop,
// libstubfan also on libstubhello, and libstubsolo on nothing. Each member may start only after
// the members it build-depends on are published; a cyclic batch is refused whole.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { snapshotState } from './helpers/db-snapshot.ts';
import { BUILD_STALL_MS, startPipelineApp } from './helpers/pipeline-app.ts';
import { getJobView, waitForJob } from './helpers/wait-for-job.ts';
import { makeSourcePackage, multipartBody, packFixtureSource, type SourcePackage } from './helpers/source-package.ts';
import { bearer, type TestApp } from './helpers/test-app.ts';
import { HANG_BACKSTOP_MS } from './helpers/wait-for.ts';

let t: TestApp;
const packages: SourcePackage[] = [];
before(async () => {
  t = await startPipelineApp('batch', 3);
});
after(async () => {
  packages.forEach((p) => p.cleanup());
  await t?.close();
});

function keep(pkg: SourcePackage): SourcePackage {
  packages.push(pkg);
  return pkg;
}

async function postBatch(members: SourcePackage[]) {
  const body = multipartBody(members.flatMap((p) => p.files));
  return t.app.inject({
    method: 'POST',
    url: '/v1/batches',
    headers: { ...bearer(t.submitToken), ...body.headers },
    payload: body.payload,
  });
}

test(
  'a batch of five builds in dependency order, every member after the members it needs are published',
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const res = await postBatch([
      keep(makeSourcePackage({ name: 'stubchaintop', buildDepends: 'debhelper-compat (= 13), stubgreeter' })),
      keep(makeSourcePackage({ name: 'libstubfan', buildDepends: 'debhelper-compat (= 13), libstubhello-dev (>= 0.1)' })),
      keep(makeSourcePackage({ name: 'libstubsolo' })),
      keep(packFixtureSource('stubgreeter')),
      keep(packFixtureSource('libstubhello')),
    ]);
    assert.equal(res.statusCode, 202, res.body);
    t.pipeline!.dispatcher.wake();
    const members = res.json().members as { jobId: number; source: string; state: string; unmetRelations: string[] }[];
    assert.deepEqual(
      members.map((m) => [m.source, m.state, m.unmetRelations]),
      [
        ['libstubhello', 'queued', []],
        ['stubgreeter', 'dep-wait', ['libstubhello-dev (>= 0.1)']],
        ['stubchaintop', 'dep-wait', ['stubgreeter (>= 1.0)']],
        ['libstubfan', 'dep-wait', ['libstubhello-dev (>= 0.1)']],
        ['libstubsolo', 'queued', []],
      ],
    );
    const id = (source: string) => members.find((m) => m.source === source)!.jobId;
    const needs: Record<string, string[]> = {
      libstubhello: [],
      stubgreeter: ['libstubhello'],
      stubchaintop: ['stubgreeter'],
      libstubfan: ['libstubhello'],
      libstubsolo: [],
    };

    const done = new Map<string, Awaited<ReturnType<typeof getJobView>>>();
    for (const m of members) {
      const job = await waitForJob(t, m.jobId, ['published', 'failed', 'cancelled'], { stallMs: BUILD_STALL_MS });
      assert.equal(job.state, 'published', `${m.source}: ${JSON.stringify(job.events)}`);
      done.set(m.source, job);
    }
    const publishedAt = (source: string) => Date.parse(done.get(source)!.events.find((e) => e.to === 'published')!.at);
    for (const [source, deps] of Object.entries(needs)) {
      const job = done.get(source)!;
      assert.deepEqual(
        job.attempts.map((a) => a.state),
        ['built'],
        `${source} built at its first attempt: it never started too early`,
      );
      const started = Date.parse(job.attempts[0]!.startedAt);
      for (const dep of deps) {
        assert.ok(started > publishedAt(dep), `${source} started ${started} after ${dep} was published ${publishedAt(dep)}`);
      }
      if (deps.length > 0) {
        const requeue = job.events.find((e) => e.from === 'dep-wait' && e.to === 'queued')!;
        assert.equal(requeue.actor, 'scheduler');
        assert.match(String(requeue.reason), new RegExp(`\\(job ${id(deps[0]!)}\\)`));
      }
    }
    // The independent member did not wait for the chain.
    assert.ok(Date.parse(done.get('libstubsolo')!.attempts[0]!.startedAt) < publishedAt('libstubhello'));

    const batch = (await t.app.inject({ method: 'GET', url: `/v1/batches/${res.json().id}`, headers: bearer(t.submitToken) })).json();
    assert.deepEqual(
      batch.members.map((m: { state: string }) => m.state),
      ['published', 'published', 'published', 'published', 'published'],
    );
  },
);

test('a batch whose members build-depend on each other in a cycle is refused, naming the cycle; nothing is kept', async () => {
  const before = await snapshotState(t.db, t.dataDir);
  const res = await postBatch([
    keep(makeSourcePackage({ name: 'libstubping', buildDepends: 'debhelper-compat (= 13), libstubpong-dev' })),
    keep(makeSourcePackage({ name: 'libstubpong', buildDepends: 'debhelper-compat (= 13), libstubping-dev' })),
  ]);
  assert.equal(res.statusCode, 422, res.body);
  assert.equal(res.json().type, 'urn:stubbuild:problem:dependency-cycle');
  assert.match(
    res.json().detail,
    /libstubping 1\.0 needs libstubpong-dev \(>= 1\.0\) from libstubpong; libstubpong 1\.0 needs libstubping-dev \(>= 1\.0\) from libstubping/,
  );
  assert.deepEqual(await snapshotState(t.db, t.dataDir), before);
});
