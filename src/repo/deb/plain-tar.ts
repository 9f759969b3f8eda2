// A tar archive held in memory, walked only when it is in its plainest form (ustar or GNU
// headers with valid checksums, regular files and the simple entry types, no long-name or pax
// records); anything else is left to tar-stream, which knows every form and says what is wrong.

const TAR_BLOCK = 512;

const ZERO_BLOCK = Buffer.alloc(TAR_BLOCK);

function isZeroBlock(buf: Buffer, offset: number): boolean {
  return buf.compare(ZERO_BLOCK, 0, TAR_BLOCK, offset, offset + TAR_BLOCK) === 0;
}

/** True when buf[from..] is all zeros (a tar archive's end-of-archive padding); compared natively. */
function zerosFrom(buf: Buffer, from: number): boolean {
  for (let at = from; at < buf.length; at += TAR_BLOCK) {
    const end = Math.min(at + TAR_BLOCK, buf.length);
    if (buf.compare(ZERO_BLOCK, 0, end - at, at, end) !== 0) return false;
  }
  return true;
}

/** A ustar header's checksum: the sum of its bytes, the checksum field counted as spaces. */
function headerChecksum(header: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += header[i]!;
  for (let i = 156; i < TAR_BLOCK; i++) sum += header[i]!;
  return sum;
}

/** An octal tar number field (digits, then NUL/space padding); undefined when it is anything else. */
function tarOctal(field: Buffer): number | undefined {
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  return /^[0-7]{1,12}$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

/**
 * Walks a plain ustar/GNU archive held in memory. Returns the content of its `control`
 * entry (or null when it has none), or undefined when the archive is not plain enough to
 * judge here.
 */
export function walkPlainTar(tarBytes: Buffer, wantControl: boolean): Buffer | null | undefined {
  let control: Buffer | null = null;
  let offset = 0;
  while (offset + TAR_BLOCK <= tarBytes.length) {
    if (isZeroBlock(tarBytes, offset)) {
      // End of archive: what follows must be zeros too.
      return zerosFrom(tarBytes, offset) ? control : undefined;
    }
    const header = tarBytes.subarray(offset, offset + TAR_BLOCK);
    const magic = header.toString('latin1', 257, 265);
    if (magic !== 'ustar\x0000' && magic !== 'ustar  \x00') return undefined;
    const checksum = tarOctal(header.subarray(148, 156));
    if (checksum !== headerChecksum(header)) return undefined;
    const size = tarOctal(header.subarray(124, 136));
    if (size === undefined) return undefined;
    const type = String.fromCharCode(header[156]!);
    const regular = type === '0' || type === '\0' || type === '7';
    if (!regular && !'12345 6'.includes(type)) return undefined;
    if (!regular && size !== 0) return undefined;
    const dataEnd = offset + TAR_BLOCK + size;
    if (dataEnd > tarBytes.length) return undefined;
    if (wantControl) {
      const nameEnd = header.indexOf(0);
      let name = header.toString('utf8', 0, nameEnd === -1 || nameEnd > 100 ? 100 : nameEnd);
      if (magic === 'ustar\x0000' && header[345] !== 0) return undefined; // a POSIX prefix: not plain
      name = name.replace(/^\.\//, '');
      if (name === 'control') {
        if (!regular || control !== null) return undefined;
        control = tarBytes.subarray(offset + TAR_BLOCK, dataEnd);
      }
    }
    offset += TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
  }
  return undefined; // no end-of-archive marker: let the streaming reader say what is wrong
}
