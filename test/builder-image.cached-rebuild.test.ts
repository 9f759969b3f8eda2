import assert from 'node:assert/strict';
import { test } from 'node:test';
import Docker from 'dockerode';
import { buildBuilderImage } from '../src/builders/image-build.ts';
import { ensureBuilderImage, shortId } from './builder-image.support.ts';

// Acceptance 1, second half: with nothing changed, building the image again is all cache.
// (From nothing: `docker rmi stubbuild/stubdom-amd64:bookworm stubbuild/debootstrap-bookworm:…`
// then `stubbuild image build --base debootstrap`.)
test('a second image build with nothing changed is all cache and takes seconds', { timeout: 15 * 60_000 }, async () => {
  const image = await ensureBuilderImage();
  const started = Date.now();
  const steps: string[] = [];
  const rebuilt = await buildBuilderImage({ docker: new Docker(), profile: image.profile, base: 'debootstrap' }, (event) => {
    if (event.kind === 'phase' && event.phase === 'base') steps.push(event.message);
  });
  const seconds = (Date.now() - started) / 1000;
  console.log(`rebuilt ${rebuilt.tag} (id ${shortId(rebuilt.id)}) in ${seconds.toFixed(1)}s, ${rebuilt.cachedSteps}/${rebuilt.totalSteps} steps cached`);
  assert.equal(rebuilt.id, image.id, 'same image id');
  assert.match(steps.join('\n'), /reusing base stubbuild\/debootstrap-bookworm:/);
  // every RUN/COPY/ENV/LABEL step hits the cache; only FROM and the first ARG never report it
  assert.ok(rebuilt.cachedSteps >= rebuilt.totalSteps - 2, `${rebuilt.cachedSteps}/${rebuilt.totalSteps} cached`);
  assert.ok(seconds < 30, `took ${seconds}s`);
});
