import assert from 'node:assert/strict';
import { appendFile, cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import Docker from 'dockerode';
import { buildBuilderImage, defaultPortsDir, defaultRecipeDir, imageExists, toolchainTag } from '../src/builders/image-build.ts';
import { ensureBuilderImage, tempDir } from './builder-image.support.ts';
import { HANG_BACKSTOP_MS } from './helpers/wait-for.ts';

// The slow toolchain step (newlib and libstdc++) comes before the drivers, the POSIX layer and
// the ports in the Dockerfile: changing those rebuilds their own steps and reuses the toolchain's.
const docker = new Docker();
const cleanup: string[] = [];
let scratchTag: string | undefined;
let builderTag: string | undefined;
after(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  if (!scratchTag || !builderTag) return;
  // Its own layers (a change made once) go with it; the toolchain layers it shares with the
  // builder image have other children, so removing stops there.
  await docker
    .getImage(scratchTag)
    .remove()
    .catch(() => {});
  // Its toolchain tag names the builder image's own toolchain stage (from the cache): only the
  // tag goes. An image built before toolchain stages were tagged gets its tag first, or removing
  // the last tag would remove the toolchain.
  const scratchToolchain = docker.getImage(toolchainTag(scratchTag));
  const kept = toolchainTag(builderTag);
  const colon = kept.lastIndexOf(':');
  if (!(await imageExists(docker, kept)))
    await scratchToolchain.tag({ repo: kept.slice(0, colon), tag: kept.slice(colon + 1) }).catch(() => {});
  await scratchToolchain.remove({ noprune: true }).catch(() => {});
});

test(
  'a change to the drivers, the POSIX layer or a port reuses the toolchain step from the cache',
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const image = await ensureBuilderImage();
    const scratch = await tempDir('layer-order');
    cleanup.push(scratch);
    const recipeDir = path.join(scratch, 'recipe');
    const portsDir = path.join(scratch, 'ports');
    await cp(defaultRecipeDir, recipeDir, { recursive: true });
    await cp(defaultPortsDir, portsDir, { recursive: true });
    // a change never made before: an earlier run's layers for the same change are in the cache
    const change = `${process.pid}.${Date.now()}`;
    await appendFile(
      path.join(recipeDir, 'essential/stubdom-posix/src/poll.c'),
      `/* changed by builder-image.layer-order.test.ts (${change}) */\n`,
    );
    await appendFile(path.join(recipeDir, 'drivers/rumprun.sh'), `# changed by builder-image.layer-order.test.ts (${change})\n`);
    await appendFile(path.join(portsDir, 'zlib/port.sh'), `# changed by builder-image.layer-order.test.ts (${change})\n`);

    builderTag = image.profile.image;
    scratchTag = image.profile.image.replace(/:[^:]+$/, ':layer-order-test');
    const instructions = new Map<number, string>();
    const cached = new Set<number>();
    await buildBuilderImage(
      { docker, profile: { ...image.profile, image: scratchTag }, base: 'debootstrap', recipeDir, portsDir },
      (event) => {
        if (event.kind === 'step') instructions.set(event.step, event.instruction);
        if (event.kind === 'cached') cached.add(event.step);
      },
    );
    const stepOf = (text: string) => [...instructions].find(([, instruction]) => instruction.includes(text))?.[0];
    const toolchain = stepOf('build-toolchain.sh');
    const drivers = stepOf('COPY recipe/drivers/');
    const essential = stepOf('build-essential-debs.sh');
    const ports = stepOf('COPY ports/');
    assert.ok(toolchain && drivers && essential && ports, `steps found: ${[...instructions.values()].join(' | ')}`);
    assert.ok(cached.has(toolchain), 'the toolchain step came from the cache');
    assert.ok(!cached.has(drivers), 'the drivers were copied again');
    assert.ok(!cached.has(essential), 'the essential packages (POSIX layer) were built again');
    assert.ok(!cached.has(ports), 'the ports were copied again');
  },
);
