import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ArchProfileError, isOfflineBuildable, loadArchProfiles } from '../src/builders/arch-profile.ts';
import { repoRoot } from './helpers/stubdom-arches.ts';

const archesDir = path.join(repoRoot, 'arches');

test('the shipped profiles load: one flavor and one triplet per architecture name', async () => {
  const profiles = await loadArchProfiles(archesDir);
  const stubdom = profiles.get('stubdom-amd64');
  assert.ok(stubdom);
  assert.equal(stubdom.flavor, 'newlib');
  assert.equal(stubdom.triplet, 'x86_64-xen-elf');
  assert.equal(stubdom.dpkg.ostable, 'base-newlib-stubdom xen-elf xen-elf');
  assert.equal(stubdom.dpkg.tupletable, 'base-newlib-stubdom-amd64 stubdom-amd64');
  // cross and nocheck first; the rest turn off what a stub domain cannot have
  assert.deepEqual(stubdom.buildProfiles.slice(0, 2), ['cross', 'nocheck']);
  for (const profile of ['nodoc', 'noudeb', 'noinsttest', 'nopython']) assert.ok(stubdom.buildProfiles.includes(profile), profile);
  assert.ok(isOfflineBuildable(stubdom));
  const rumprun = profiles.get('stubdom-rumprun-amd64');
  assert.ok(rumprun);
  assert.equal(rumprun.triplet, 'x86_64-rumprun-netbsd');
  assert.equal(isOfflineBuildable(rumprun), false);
  // a rump kernel is a stub domain as well: no documentation, interpreters or udebs built for it
  assert.deepEqual(rumprun.buildProfiles, stubdom.buildProfiles);
});

async function loadOne(profile: unknown, fileName: string): Promise<unknown> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-arches-'));
  try {
    await writeFile(path.join(dir, fileName), JSON.stringify(profile));
    return await loadArchProfiles(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a profile is refused when its rows, file name or triplet disagree', async () => {
  const good = JSON.parse(await readFile(path.join(archesDir, 'stubdom-amd64.json'), 'utf8')) as Record<string, unknown>;
  await assert.rejects(loadOne({ ...good, triplet: 'x86_64-rumprun-netbsd' }, 'stubdom-amd64.json'), ArchProfileError);
  await assert.rejects(
    loadOne(
      { ...good, dpkg: { ostable: 'base-newlib-stubdom xen-elf xen-elf', tupletable: 'base-newlib-stubdom-amd64 other-amd64' } },
      'stubdom-amd64.json',
    ),
    /must map a tuple to stubdom-amd64/,
  );
  await assert.rejects(loadOne(good, 'renamed.json'), /must be named stubdom-amd64\.json/);
  await assert.rejects(loadOne({ ...good, flavor: 'musl' }, 'stubdom-amd64.json'), ArchProfileError);
  await assert.rejects(loadOne({ ...good, extra: true }, 'stubdom-amd64.json'), ArchProfileError);
});
