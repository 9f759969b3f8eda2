// What the repository needs of one uploaded .deb before it can be filed: the verified
// package (deb/inspect-deb.ts), its pool path and Packages stanza. Only reads: the main thread
// puts the file into the pool (pool/pool-changes.ts). The same function runs in place for a few
// packages and on the filing threads (filing-threads.ts) for many.
import { getField } from '../../debian/deb822.ts';
import { inspectDeb, type DebInfo, type InspectDebOptions } from '../deb/inspect-deb.ts';
import { formatPackagesStanza } from '../publish/packages-index.ts';
import { debPoolPath } from '../pool/pool-path.ts';

export interface PrepareDebOptions extends InspectDebOptions {
  component: string;
}

export interface PreparedDeb {
  /** The control paragraph is in `stanza`; not kept here, so threads do not copy it twice. */
  info: Omit<DebInfo, 'control'> & {
    /** `Auto-Built-Package` (debug-symbols for an automatic -dbgsym), which ownership checks read. */
    autoBuilt?: string | undefined;
  };
  /** Repository-relative: pool/main/<prefix>/<source>/<name>_<version>_<arch>.deb */
  poolPath: string;
  stanza: string;
}

export async function prepareDeb(path: string, opts: PrepareDebOptions): Promise<PreparedDeb> {
  return prepareInspected(await inspectDeb(path, opts), opts);
}

/** The pool path and Packages stanza of an inspected package. */
export function prepareInspected({ control, ...inspected }: DebInfo, opts: PrepareDebOptions): PreparedDeb {
  const info = { ...inspected, autoBuilt: getField(control, 'Auto-Built-Package')?.trim() };
  const poolPath = debPoolPath(opts.component, info.source, info.package, info.version, info.architecture);
  return { info, poolPath, stanza: formatPackagesStanza({ ...info, control }, poolPath) };
}
