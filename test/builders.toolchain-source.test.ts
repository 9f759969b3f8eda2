import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readFlavorSource, resolveToolchainSource, ToolchainSourceError } from '../src/builders/toolchain-source.ts';
import { defaultRecipeDir } from '../src/builders/image-build.ts';

// Where a flavor's toolchain source comes from, with a recipe folder of our own: a snapshot
// whose sha256 is recorded, an unpacked tree, or nothing for a flavor built from Debian.
let dir: string;
let recipeDir: string;
const snapshot = Buffer.from('pretend this is rumprun-src.tar.xz');

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-toolchain-source-'));
  recipeDir = path.join(dir, 'recipe');
  await mkdir(path.join(recipeDir, 'flavors/rump'), { recursive: true });
  await mkdir(path.join(recipeDir, 'flavors/plain'), { recursive: true });
  await mkdir(path.join(dir, 'vendor'));
  await writeFile(path.join(dir, 'vendor/snapshot.tar.xz'), snapshot);
  await writeFile(
    path.join(recipeDir, 'flavors/rump/source.json'),
    JSON.stringify({
      default: 'vendor/snapshot.tar.xz',
      sha256: createHash('sha256').update(snapshot).digest('hex'),
      describes: 'rump 1.0',
      treeMarker: 'build-rr.sh',
    }),
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the default is the recorded snapshot, relative to the project root, its sha256 checked', async () => {
  const source = await resolveToolchainSource({ recipeDir, flavor: 'rump', root: dir });
  assert.deepEqual(source, {
    kind: 'tarball',
    path: path.join(dir, 'vendor/snapshot.tar.xz'),
    sha256: createHash('sha256').update(snapshot).digest('hex'),
    size: snapshot.length,
  });
});

test('a tarball that is not the recorded snapshot is refused', async () => {
  const other = path.join(dir, 'other.tar.xz');
  await writeFile(other, 'something else');
  await assert.rejects(resolveToolchainSource({ recipeDir, flavor: 'rump', explicit: other }), (error: unknown) => {
    assert.ok(error instanceof ToolchainSourceError);
    assert.match(error.message, /has sha256 [0-9a-f]{64}, not the snapshot's/);
    return true;
  });
});

test('an unpacked tree is taken when it has the marker file, refused when not', async () => {
  const tree = path.join(dir, 'tree');
  await mkdir(tree);
  await assert.rejects(resolveToolchainSource({ recipeDir, flavor: 'rump', explicit: tree }), /no build-rr\.sh at its top/);
  await writeFile(path.join(tree, 'build-rr.sh'), '#!/bin/sh\n');
  assert.deepEqual(await resolveToolchainSource({ recipeDir, flavor: 'rump', explicit: tree }), { kind: 'tree', path: tree });
});

test('a missing default names where it looked', async () => {
  await assert.rejects(
    resolveToolchainSource({ recipeDir, flavor: 'rump', root: path.join(dir, 'elsewhere') }),
    /elsewhere\/vendor\/snapshot\.tar\.xz, which is not there/,
  );
});

test('a flavor without source.json needs none and takes none', async () => {
  assert.equal(await resolveToolchainSource({ recipeDir, flavor: 'plain' }), undefined);
  await assert.rejects(resolveToolchainSource({ recipeDir, flavor: 'plain', explicit: dir }), /takes no toolchain source/);
});

test("the shipped rumprun flavor records the vendored snapshot's sha256", async () => {
  const source = await readFlavorSource(defaultRecipeDir, 'rumprun');
  assert.equal(source?.default, '../shared/vendor/rumprun/rumprun-src.tar.xz');
  assert.equal(source?.sha256, '11fe8e02608b9cad6665bc6639cfbff14b22895456696d4de44b1938bd4c5bae');
  assert.equal(await readFlavorSource(defaultRecipeDir, 'newlib'), undefined);
});
