// What the Release files on disk still make reachable: their by-hash indices, and the pool
// files those indices name.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseChecksumLines } from '../../debian/checksum-lines.ts';
import { getField, parseDeb822 } from '../../debian/deb822.ts';
import { readReleaseSha256 } from '../publish/release-file.ts';

/** Pool files the current indices of every suite name (Filename, and Directory + Files). */
export async function poolFilesOfCurrentIndices(repoDir: string, suites: string[]): Promise<{ byHash: Set<string>; pool: Set<string> }> {
  const byHash = new Set<string>();
  const pool = new Set<string>();
  for (const suite of suites) {
    let release: string;
    try {
      release = await readFile(join(repoDir, 'dists', suite, 'Release'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const { path, sha256 } of readReleaseSha256(release)) {
      const hashed = `dists/${suite}/${dirname(path)}/by-hash/SHA256/${sha256}`;
      byHash.add(hashed);
      const name = basename(path);
      if (name !== 'Packages' && name !== 'Sources') continue;
      // The by-hash copy is exactly what this Release names, even if a plain file is newer.
      let text: string;
      try {
        text = await readFile(join(repoDir, hashed), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      for (const p of parseDeb822(text)) {
        const filename = getField(p, 'Filename');
        if (filename !== undefined) pool.add(filename);
        const directory = getField(p, 'Directory');
        const list = getField(p, 'Checksums-Sha256') ?? getField(p, 'Files');
        if (directory !== undefined && list !== undefined) {
          // Any line that names a file keeps it, whether or not its hash and size read well.
          for (const { parsed } of parseChecksumLines(list, { ignoreExtraWords: true })) {
            const fileName = parsed.line ? parsed.line.name : parsed.name;
            if (fileName) pool.add(`${directory}/${fileName}`);
          }
        }
      }
    }
  }
  return { byHash, pool };
}
