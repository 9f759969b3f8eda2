// When each unreferenced file was first found so, kept in the repository between collections.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../atomic-write.ts';

export const GC_STATE_FILE = '.stubbuild-gc.json';

export interface GcState {
  version: 1;
  /** Repository-relative path → epoch ms at which a collection first found it unreferenced. */
  unreferencedSince: Record<string, number>;
}

export async function readGcState(path: string): Promise<GcState> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<GcState>;
    if (parsed.version === 1 && parsed.unreferencedSince && typeof parsed.unreferencedSince === 'object') {
      return { version: 1, unreferencedSince: { ...parsed.unreferencedSince } };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
  }
  // A missing or unreadable state only restarts the clocks: files are kept longer, never less.
  return { version: 1, unreferencedSince: {} };
}

export async function writeGcState(path: string, state: GcState): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(state, null, 1) + '\n');
}
