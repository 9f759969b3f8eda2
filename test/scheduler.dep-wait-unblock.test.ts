// Dep-wait that ends by itself, on the real pipeline: B build-depends on A's -dev package and
// links A's library. B is submitted first and waits; once A is published, B is queued again by
// the scheduler and builds against A's package from the repository, with no human action.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BUILD_STALL_MS, debMember, jobArtifact, startPipelineApp, uploadSource } from './helpers/pipeline-app.ts';
import { getJobView, waitForJob } from './helpers/wait-for-job.ts';
import { packFixtureSource, type SourcePackage } from './helpers/source-package.ts';
import type { TestApp } from './helpers/test-app.ts';
import { HANG_BACKSTOP_MS } from './helpers/wait-for.ts';

let t: TestApp;
const packages: SourcePackage[] = [];
before(async () => {
  t = await startPipelineApp('depwait', 2);
});
after(async () => {
  packages.forEach((p) => p.cleanup());
  await t?.close();
});

test(
  'B waits for A in dep-wait, is queued by itself when A is published, and builds against it',
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const b = packFixtureSource('stubgreeter');
    const a = packFixtureSource('libstubhello');
    packages.push(a, b);

    const bId = await uploadSource(t, b);
    const waiting = await waitForJob(t, bId, ['dep-wait', 'published', 'failed'], { stallMs: BUILD_STALL_MS });
    assert.equal(waiting.state, 'dep-wait', JSON.stringify(waiting.events));
    assert.ok(
      waiting.unmetRelations.some((r) => r.startsWith('libstubhello-dev:stubdom-amd64')),
      `the missing relation is stored: ${JSON.stringify(waiting.unmetRelations)}`,
    );
    assert.match(
      String(waiting.explanation),
      /waits for build-dependencies not yet published for stubdom-amd64: libstubhello-dev:stubdom-amd64/,
    );

    const aId = await uploadSource(t, a);
    // Before A is published, nothing moves B (no retry loop): it stays in dep-wait with one attempt.
    const aWaiting = await getJobView(t, aId);
    assert.ok(['queued', 'building', 'publishing'].includes(aWaiting.state));
    assert.match(String((await getJobView(t, bId)).explanation), new RegExp(`which job ${aId} \\(libstubhello 0\\.1, \\w+\\) will build`));

    const aDone = await waitForJob(t, aId, ['published', 'failed', 'dep-wait'], { stallMs: BUILD_STALL_MS });
    assert.equal(aDone.state, 'published', JSON.stringify(aDone.events));
    const bDone = await waitForJob(t, bId, ['published', 'failed'], { stallMs: BUILD_STALL_MS });
    assert.equal(bDone.state, 'published', JSON.stringify(bDone.events));

    // The way back to the queue: the scheduler, naming what was published; nobody else acted.
    const requeue = bDone.events.find((e) => e.from === 'dep-wait' && e.to === 'queued');
    assert.ok(requeue, JSON.stringify(bDone.events));
    assert.equal(requeue.actor, 'scheduler');
    assert.match(String(requeue.reason), new RegExp(`build-dependencies published: libstubhello-dev 0\\.1 \\(job ${aId}\\)`));
    assert.ok(
      bDone.events.every((e) => e.from === null || ['dispatcher', 'scheduler', 'publisher'].includes(e.actor)),
      JSON.stringify(bDone.events),
    );
    const published = aDone.events.find((e) => e.to === 'published')!;
    assert.ok(new Date(requeue.at) >= new Date(published.at) || Math.abs(Date.parse(requeue.at) - Date.parse(published.at)) < 5000);
    assert.deepEqual(
      bDone.attempts.map((x) => x.state),
      ['dep-wait', 'built'],
      'one attempt that waited, one that built: no futile retries',
    );

    // It was built against A's package from the stubdom repository, and linked it.
    const buildinfo = bDone.artifacts.find((x) => x.kind === 'buildinfo')!;
    const text = (await jobArtifact(t, bId, buildinfo.name)).toString('utf8');
    assert.match(text, /^ libstubhello-dev \(= 0\.1\),$/m);
    const deb = bDone.artifacts.find((x) => x.kind === 'deb' && x.name.startsWith('stubgreeter_'))!;
    const greeter = debMember(await jobArtifact(t, bId, deb.name), 'usr/lib/stubgreeter/greeter');
    assert.ok(greeter.includes('hello, %s'), "the greeter carries libstubhello's code: it was linked statically");
  },
);
