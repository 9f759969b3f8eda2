// In-memory fast path. Most packages are small and laid out exactly as dpkg-deb writes them;
// reading one whole and decompressing in one call costs a fraction of the streaming path
// (which matters when an operator seeds thousands). It accepts only the plainest form —
// debian-binary, control.tar[.gz], data.tar[.gz], ustar headers with valid checksums, no
// long-name or pax records — and gives up (undefined) on anything else, so the streaming
// reader (deb-reader.ts) stays the one judge of every unusual or broken package and its message.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type ArMember, readArMembers, startsWithArMagic } from '../../debian/ar.ts';
import { Budget } from './budget.ts';
import { parseControl, identifyPackage } from './control-fields.ts';
import type { DebInfo, FileIdentity, InspectDebOptions } from './inspect-deb.ts';
import { walkPlainTar } from './plain-tar.ts';

/** Files up to this size are read whole (synchronously, see readSmallFile) and tried on the fast path. */
export const FAST_MAX_FILE = 256 * 1024;
/** Decompressed size of one member beyond which the fast path hands over (bounded memory). */
const FAST_MAX_MEMBER_OUTPUT = 4 * 1024 * 1024;

/** Decompresses a gzip member in one call within the budget; undefined when too big for this path. */
function inflateMember(member: string, data: Buffer, compressed: boolean, budget: Budget): Buffer | undefined {
  let out: Buffer;
  if (!compressed) {
    out = data;
  } else {
    try {
      out = gunzipSync(data, { maxOutputLength: FAST_MAX_MEMBER_OUTPUT });
    } catch {
      // Corrupt, or larger than this path takes: the streaming reader decides which.
      return undefined;
    }
  }
  budget.take(out.length, member);
  return out;
}

export function inspectInMemory(bytes: Buffer, opts: InspectDebOptions): Omit<DebInfo, 'size' | 'sha256' | 'md5'> | undefined {
  if (!startsWithArMagic(bytes)) return undefined;
  const budget = new Budget(opts.maxUncompressedBytes);
  let members: ArMember[];
  try {
    members = readArMembers(bytes);
  } catch {
    return undefined;
  }
  if (members.length !== 3) return undefined;
  const [binary, control, data] = members as [ArMember, ArMember, ArMember];
  if (binary.name !== 'debian-binary' || !/^2\.[0-9]+\n$/.test(binary.data.toString('latin1'))) return undefined;
  if (control.name !== 'control.tar.gz' && control.name !== 'control.tar') return undefined;
  if (data.name !== 'data.tar.gz' && data.name !== 'data.tar') return undefined;

  const controlTar = inflateMember(control.name, control.data, control.name.endsWith('.gz'), budget);
  if (!controlTar) return undefined;
  const controlFile = walkPlainTar(controlTar, true);
  if (!controlFile || controlFile.length > opts.maxControlBytes) return undefined;
  const paragraph = parseControl(controlFile);
  const dataTar = inflateMember(data.name, data.data, data.name.endsWith('.gz'), budget);
  if (!dataTar || walkPlainTar(dataTar, false) === undefined) return undefined;
  return { control: paragraph, ...identifyPackage(paragraph, opts.allowedArchitectures), uncompressedBytes: budget.used };
}

/**
 * Reads a file whole if it is at most `max` bytes; undefined (and nothing read) when larger.
 * Synchronously, on purpose: for a file this small the four system calls take a few
 * microseconds each, and a round trip through the thread pool costs ten times that, which
 * is most of the time of inspecting thousands of packages. Callers doing many yield between
 * files (see filing/add-packages.ts).
 */
export function readSmallFile(path: string, max: number): { bytes: Buffer; stat: FileIdentity } | undefined {
  const fd = openSync(path, 'r');
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > max) return undefined;
    const bytes = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < info.size) {
      const bytesRead = readSync(fd, bytes, filled, info.size - filled, filled);
      if (bytesRead === 0) return undefined; // shrank under us: let the streaming path read it
      filled += bytesRead;
    }
    return { bytes, stat: { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs } };
  } finally {
    closeSync(fd);
  }
}
