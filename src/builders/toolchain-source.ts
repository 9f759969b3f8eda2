// A flavor's toolchain source outside Debian (rumprun): the operator's path, or the snapshot the
// flavor names in `flavors/<flavor>/source.json`. A tarball must be that snapshot (sha256);
// an unpacked tree is taken as it is (an operator's own checkout).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { hashFile } from '../stream-hash.ts';

/** The folder holding package.json; a flavor's default path is relative to it. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const flavorSourceSchema = z
  .object({
    about: z.string().optional(),
    /** Relative to the project root. */
    default: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** What the snapshot holds (upstream commits), recorded as provenance. */
    describes: z.string().min(1),
    /** A file at the top of every unpacked tree of this source. */
    treeMarker: z.string().min(1),
  })
  .strict();
export type FlavorSource = z.infer<typeof flavorSourceSchema>;

export type ToolchainSource = { kind: 'tarball'; path: string; sha256: string; size: number } | { kind: 'tree'; path: string };

export class ToolchainSourceError extends Error {
  override name = 'ToolchainSourceError';
}

/** `flavors/<flavor>/source.json`, or undefined for a flavor built from Debian packages alone. */
export async function readFlavorSource(recipeDir: string, flavor: string): Promise<FlavorSource | undefined> {
  const file = path.join(recipeDir, 'flavors', flavor, 'source.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = flavorSourceSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new ToolchainSourceError(`${file}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/**
 * The source the flavor's toolchain is built from: `explicit` (a `.tar.xz` or a tree) when
 * given, else the flavor's default snapshot. Undefined when the flavor needs none.
 */
export async function resolveToolchainSource(options: {
  recipeDir: string;
  flavor: string;
  explicit?: string;
  root?: string;
}): Promise<ToolchainSource | undefined> {
  const flavorSource = await readFlavorSource(options.recipeDir, options.flavor);
  if (!flavorSource) {
    if (options.explicit)
      throw new ToolchainSourceError(`flavor ${options.flavor} builds from Debian packages; it takes no toolchain source`);
    return undefined;
  }
  const given = options.explicit !== undefined;
  const where = given ? path.resolve(options.explicit as string) : path.resolve(options.root ?? projectRoot, flavorSource.default);
  const info = await stat(where).catch(() => undefined);
  if (!info) {
    throw new ToolchainSourceError(
      given
        ? `toolchain source ${where} does not exist`
        : `flavor ${options.flavor} builds from ${where}, which is not there; pass the snapshot or an unpacked tree (--toolchain-src)`,
    );
  }
  if (info.isDirectory()) {
    const marker = await stat(path.join(where, flavorSource.treeMarker)).catch(() => undefined);
    if (!marker?.isFile())
      throw new ToolchainSourceError(`${where} is not a ${options.flavor} source tree (no ${flavorSource.treeMarker} at its top)`);
    return { kind: 'tree', path: where };
  }
  if (!where.endsWith('.tar.xz')) throw new ToolchainSourceError(`toolchain source ${where} is neither a .tar.xz nor a folder`);
  const { sha256, size } = await hashFile(where, ['sha256']);
  if (sha256 !== flavorSource.sha256) {
    throw new ToolchainSourceError(
      `${where} has sha256 ${sha256}, not the snapshot's ${flavorSource.sha256} (flavors/${options.flavor}/source.json); ` +
        'to build another version, pass its unpacked tree',
    );
  }
  return { kind: 'tarball', path: where, sha256, size };
}
