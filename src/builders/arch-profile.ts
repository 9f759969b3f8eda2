// Architecture profiles: one JSON file per dpkg architecture name in `arches/`.
// A profile says which toolchain flavor the builder image carries, which image tag the
// service runs, and the limits a build gets. One flavor per architecture name: two ABIs
// never share a suite, so a rumprun toolchain gets an architecture name of its own.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type BuildArchitectures, createBuildArchitectures } from '../jobs/build-architectures.ts';

/**
 * Toolchain flavors the image recipe knows. `offline`: buildable from Debian packages alone;
 * the others build from a source snapshot (flavors/<flavor>/source.json) and are built only
 * when asked for by name (rumprun: about half an hour).
 */
export const flavors = {
  newlib: { offline: true, description: "Debian's newlib-source built with the host gcc (freestanding x86_64)" },
  rumprun: { offline: false, description: "rumprun (rump kernels, NetBSD's libc; xen and hw platforms) built from its source snapshot" },
} as const;
export type Flavor = keyof typeof flavors;

const archName = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)+$/, 'a dpkg architecture name (lowercase words joined by hyphens)');
const tripletName = z.string().regex(/^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+$/, 'a GNU triplet cpu-vendor-os');

export const archProfileSchema = z
  .object({
    arch: archName,
    flavor: z.enum(Object.keys(flavors) as [Flavor, ...Flavor[]]),
    triplet: tripletName,
    /** The tag the service looks the image up by; nothing about the image lives in DATA_DIR. */
    image: z.string().regex(/^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'repository:tag'),
    debian: z
      .object({
        suite: z.string().regex(/^[a-z]+$/),
        mirror: z.url(),
        securityMirror: z.url(),
      })
      .strict(),
    dpkg: z
      .object({
        /** `<abi>-<libc>-<os> <gnu-system> <regex>`; placed first in ostable (first match wins). */
        ostable: z.string().regex(/^\S+ \S+ \S+$/),
        /** `<abi>-<libc>-<os>-<cpu> <arch>` */
        tupletable: z.string().regex(/^\S+ \S+$/),
      })
      .strict(),
    buildProfiles: z.array(z.string().regex(/^[a-z0-9.+-]+$/)).min(1),
    limits: z
      .object({
        memoryMiB: z.int().min(256),
        cpus: z.number().positive(),
        pids: z.int().min(64),
      })
      .strict(),
    timeouts: z
      .object({
        dependenciesSeconds: z.int().positive(),
        buildSeconds: z.int().positive(),
      })
      .strict(),
    /**
     * When a newer version of a package of the repository is published, published sources
     * built against an older one are rebuilt as binNMUs (OBS rebuild=direct). Default true.
     */
    rebuildOnDependencyChange: z.boolean().optional(),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const [tuple, tupleArch] = profile.dpkg.tupletable.split(' ');
    const [osTuple, gnuSystem] = profile.dpkg.ostable.split(' ');
    if (tupleArch !== profile.arch) {
      ctx.addIssue({ code: 'custom', path: ['dpkg', 'tupletable'], message: `must map a tuple to ${profile.arch}` });
    }
    if (!tuple?.startsWith(`${osTuple}-`)) {
      ctx.addIssue({ code: 'custom', path: ['dpkg', 'tupletable'], message: `tuple must extend the ostable tuple ${osTuple}` });
    }
    if (!profile.triplet.endsWith(`-${gnuSystem}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['dpkg', 'ostable'],
        message: `GNU system ${gnuSystem} must end the triplet ${profile.triplet}`,
      });
    }
    if (!profile.image.includes(`/${profile.arch}:`)) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: `the image repository must be named after ${profile.arch}` });
    }
  });

export type ArchProfile = z.infer<typeof archProfileSchema>;

export class ArchProfileError extends Error {
  override name = 'ArchProfileError';
}

/** The profile's flavor can be built from Debian packages alone (no operator-supplied tree). */
export function isOfflineBuildable(profile: ArchProfile): boolean {
  return flavors[profile.flavor].offline;
}

/**
 * Reads every `<arch>.json` in `dir`, validates it, and checks the set: file name equals the
 * arch, and no triplet, tuple or image is worn by two profiles.
 */
export async function loadArchProfiles(dir: string): Promise<Map<string, ArchProfile>> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  const profiles = new Map<string, ArchProfile>();
  const problems: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      problems.push(`${name}: not JSON (${(error as Error).message})`);
      continue;
    }
    const parsed = archProfileSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${name}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      continue;
    }
    if (name !== `${parsed.data.arch}.json`) {
      problems.push(`${name}: describes ${parsed.data.arch}; the file must be named ${parsed.data.arch}.json`);
      continue;
    }
    profiles.set(parsed.data.arch, parsed.data);
  }
  for (const key of ['triplet', 'image'] as const) {
    const seen = new Map<string, string>();
    for (const profile of profiles.values()) {
      const other = seen.get(profile[key]);
      if (other) problems.push(`${profile.arch}: ${key} ${profile[key]} is already used by ${other}`);
      seen.set(profile[key], profile.arch);
    }
  }
  const tuples = new Map<string, string>();
  for (const profile of profiles.values()) {
    const tuple = profile.dpkg.tupletable.split(' ')[0] ?? '';
    const other = tuples.get(tuple);
    if (other) problems.push(`${profile.arch}: dpkg tuple ${tuple} is already used by ${other}`);
    tuples.set(tuple, profile.arch);
  }
  if (problems.length > 0) throw new ArchProfileError(`invalid architecture profiles in ${dir}:\n  ${problems.join('\n  ')}`);
  return profiles;
}

/** The profiles named (ARCHES), in that order; the first is the service's default architecture. */
export function selectArchProfiles(all: ReadonlyMap<string, ArchProfile>, names: readonly string[], dir: string): ArchProfile[] {
  const missing = names.filter((name) => !all.has(name));
  if (missing.length > 0) {
    throw new ArchProfileError(`no architecture profile ${missing.join(', ')} in ${dir} (there: ${[...all.keys()].join(', ') || 'none'})`);
  }
  return names.map((name) => all.get(name)!);
}

/** What a service building for `profiles` knows of architectures: dpkg's and theirs. */
export function buildArchitecturesOf(profiles: readonly ArchProfile[]): BuildArchitectures {
  return createBuildArchitectures(
    profiles.map((p) => p.arch),
    profiles.map((p) => p.dpkg),
  );
}
