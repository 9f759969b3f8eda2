// A source package straight from the Debian mirror (its .dsc and the files it lists, each
// checked against the .dsc's SHA256), kept in the temporary folder so later runs read it from
// there: what the zlib builds of the tests and of bench/turnaround upload, as CI would.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const MIRROR = 'http://deb.debian.org/debian';

/** Bookworm's zlib, the source the zlib tests build. */
export const ZLIB = { source: 'zlib', version: '1:1.2.13.dfsg-1' } as const;

export interface DebianSource {
  dscName: string;
  files: { name: string; content: Buffer }[];
}

/** `source` `version` of the main component (pool path from the source name, epoch dropped). */
export async function fetchDebianSource(source: string, version: string): Promise<DebianSource> {
  const prefix = source.startsWith('lib') ? source.slice(0, 4) : source[0]!;
  const pool = `${MIRROR}/pool/main/${prefix}/${source}`;
  const dscName = `${source}_${version.replace(/^\d+:/, '')}.dsc`;
  const dir = path.join(os.tmpdir(), 'stubbuild-debian-sources');
  await mkdir(dir, { recursive: true });
  const dsc = await cachedFile(dir, `${pool}/${dscName}`, dscName);
  const listed = [...dsc.toString('utf8').matchAll(/^ ([0-9a-f]{64}) (\d+) (\S+)$/gm)];
  if (listed.length === 0) throw new Error(`${dscName} lists no Checksums-Sha256 files`);
  const files = [{ name: dscName, content: dsc }];
  for (const [, sha256, , name] of listed) {
    const content = await cachedFile(dir, `${pool}/${name}`, name!);
    const actual = createHash('sha256').update(content).digest('hex');
    if (actual !== sha256) throw new Error(`${name} from ${pool} has SHA256 ${actual}, ${dscName} says ${sha256}`);
    files.push({ name: name!, content });
  }
  return { dscName, files };
}

async function cachedFile(dir: string, url: string, name: string): Promise<Buffer> {
  const file = path.join(dir, name);
  const kept = await readFile(file).catch(() => undefined);
  if (kept) return kept;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  const content = Buffer.from(await res.arrayBuffer());
  // Whole or not at all: another test file may read it meanwhile.
  await writeFile(`${file}.${process.pid}`, content);
  await rename(`${file}.${process.pid}`, file);
  return content;
}
