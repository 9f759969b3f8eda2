// What a service building for the stubdom-amd64 profile alone knows of architectures, read
// from arches/ as the service reads it (no I/O beyond the profile file).
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArchProfile, archProfileSchema, loadArchProfiles } from '../../src/builders/arch-profile.ts';
import { createBuildArchitectures } from '../../src/jobs/build-architectures.ts';

const profile = archProfileSchema.parse(JSON.parse(readFileSync(new URL('../../arches/stubdom-amd64.json', import.meta.url), 'utf8')));
export const stubdomArches = createBuildArchitectures([profile.arch], [profile.dpkg]);

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function testArchesDir(): string {
  return process.env.STUBBUILD_TEST_ARCHES_DIR ?? path.join(repoRoot, 'arches');
}

/**
 * The profile of `arch`, as the service loads it from arches/ (or STUBBUILD_TEST_ARCHES_DIR).
 * STUBBUILD_TEST_IMAGE_TAG=<tag> gives its image another tag, so a second checkout can test its
 * own recipe without replacing the image another checkout's tests use.
 */
export async function loadProfile(arch: string): Promise<ArchProfile> {
  const dir = testArchesDir();
  const profile = (await loadArchProfiles(dir)).get(arch);
  if (!profile) throw new Error(`${dir}/${arch}.json is missing`);
  const tag = process.env.STUBBUILD_TEST_IMAGE_TAG;
  return tag ? { ...profile, image: `${profile.image.slice(0, profile.image.lastIndexOf(':'))}:${tag}` } : profile;
}

/**
 * A profile folder holding `profile` as loadProfile gave it (its image renamed by
 * STUBBUILD_TEST_IMAGE_TAG, when set), for a CLI command a test runs (ARCHES_DIR).
 */
export async function archesDirFor(profile: ArchProfile): Promise<string> {
  const file = JSON.parse(await readFile(path.join(testArchesDir(), `${profile.arch}.json`), 'utf8')) as Record<string, unknown>;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-test-arches-'));
  await writeFile(path.join(dir, `${profile.arch}.json`), JSON.stringify({ ...file, image: profile.image }));
  return dir;
}

export async function loadStubdomProfile(): Promise<ArchProfile> {
  return loadProfile('stubdom-amd64');
}
