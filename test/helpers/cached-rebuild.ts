// A second image build with nothing changed is all cache: registered for one architecture by
// each cached-rebuild test file (newlib in npm test, rumprun in test:rump). The time is
// printed, not asserted.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import { buildBuilderImage, defaultRecipeDir, toolchainTag } from '../../src/builders/image-build.ts';
import { ensureBuilderImage, shortId } from '../builder-image.support.ts';

export function defineCachedRebuild(arch: string): void {
  test(`a second ${arch} image build with nothing changed is all cache`, { timeout: 60 * 60_000 }, async () => {
    const image = await ensureBuilderImage(arch);
    const docker = new Docker();
    const started = Date.now();
    const phases: string[] = [];
    const rebuilt = await buildBuilderImage(
      { docker, profile: image.profile, base: 'debootstrap', toolchainSource: process.env.RUMPRUN_SRC || undefined },
      (event) => {
        if (event.kind === 'phase') phases.push(event.message);
      },
    );
    console.log(
      `rebuilt ${rebuilt.tag} (id ${shortId(rebuilt.id)}) in ${((Date.now() - started) / 1000).toFixed(1)}s, ${rebuilt.cachedSteps}/${rebuilt.totalSteps} steps cached`,
    );
    assert.equal(rebuilt.id, image.id, 'same image id');
    assert.match(phases.join('\n'), /reusing base stubbuild\/debootstrap-bookworm:/);
    // every RUN/COPY/ENV/LABEL step hits the cache; the ARG before the first FROM and each
    // FROM (one per stage) never report it
    const dockerfile = await readFile(path.join(defaultRecipeDir, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split('\n').filter((line) => /^FROM /.test(line)).length;
    assert.equal(rebuilt.cachedSteps, rebuilt.totalSteps - 1 - stages, `${rebuilt.cachedSteps}/${rebuilt.totalSteps} cached`);
    // The toolchain stage has a tag (`docker image prune` removes only untagged images): the
    // image whose last step built the toolchain.
    const history = (await docker.getImage(toolchainTag(image.profile.image)).history()) as { CreatedBy: string }[];
    assert.match(history[0]?.CreatedBy ?? '', /build-toolchain\.sh/);
  });
}
