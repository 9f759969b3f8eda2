// What a service building for the stubdom-amd64 profile alone knows of architectures, read
// from arches/ as the service reads it (no I/O beyond the profile file).
import { readFileSync } from 'node:fs';
import { archProfileSchema } from '../../src/builders/arch-profile.ts';
import { createBuildArchitectures } from '../../src/jobs/build-architectures.ts';

const profile = archProfileSchema.parse(JSON.parse(readFileSync(new URL('../../arches/stubdom-amd64.json', import.meta.url), 'utf8')));
export const stubdomArches = createBuildArchitectures([profile.arch], [profile.dpkg]);
