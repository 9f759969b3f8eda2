// What a service building for the stubdom-amd64 profile alone knows of architectures, read
// from arches/ as the service reads it (no I/O beyond the profile file).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArchProfile, archProfileSchema, loadArchProfiles } from '../../src/builders/arch-profile.ts';
import { createBuildArchitectures } from '../../src/jobs/build-architectures.ts';

const profile = archProfileSchema.parse(JSON.parse(readFileSync(new URL('../../arches/stubdom-amd64.json', import.meta.url), 'utf8')));
export const stubdomArches = createBuildArchitectures([profile.arch], [profile.dpkg]);

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The stubdom-amd64 profile, as the service loads it from arches/, or from
 * STUBBUILD_TEST_ARCHES_DIR (a copy naming another image tag, so work on the recipe never
 * replaces the image others use).
 */
export async function loadStubdomProfile(): Promise<ArchProfile> {
  const dir = process.env.STUBBUILD_TEST_ARCHES_DIR ?? path.join(repoRoot, 'arches');
  const loaded = (await loadArchProfiles(dir)).get('stubdom-amd64');
  if (!loaded) throw new Error('arches/stubdom-amd64.json is missing');
  return loaded;
}
