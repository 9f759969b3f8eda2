// Small, valid .deb files written in-process (ar + ustar + gzip), for tests and benchmarks
// that need hundreds or thousands of packages: dpkg-deb takes ~20 ms a package, this takes
// well under one. The result is what `dpkg-deb --root-owner-group -Zgzip --build` makes of
// the same tree: debian-binary, control.tar.gz, data.tar.gz.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface SyntheticDeb {
  name: string;
  version: string;
  arch?: string;
  /** Control fields added after the standard ones. */
  extraFields?: Record<string, string>;
  /** Content of /usr/share/doc/NAME/README; defaults to "NAME VERSION". */
  readme?: string;
  /** Fixed mtime for every member and entry, so equal input gives equal bytes. */
  mtime?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(name: string, size: number, type: '0' | '5', mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

type TarEntry = { name: string; dir: true } | { name: string; content: Buffer; mode?: number };

function tar(entries: TarEntry[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if ('dir' in e) {
      parts.push(tarHeader(e.name, 0, '5', 0o755, mtime));
      continue;
    }
    parts.push(tarHeader(e.name, e.content.length, '0', e.mode ?? 0o644, mtime), e.content);
    const pad = (BLOCK - (e.content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function arMember(name: string, data: Buffer, mtime: number): Buffer {
  const header =
    name.padEnd(16) +
    String(mtime).padEnd(12) +
    '0'.padEnd(6) +
    '0'.padEnd(6) +
    '100644'.padEnd(8) +
    String(data.length).padEnd(10) +
    '`\n';
  const parts = [Buffer.from(header, 'latin1'), data];
  if (data.length % 2 === 1) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

/** The bytes of one .deb. */
export function syntheticDebBytes(deb: SyntheticDeb): Buffer {
  const arch = deb.arch ?? 'stubdom-amd64';
  const mtime = deb.mtime ?? 1_795_000_000;
  const readme = Buffer.from(deb.readme ?? `${deb.name} ${deb.version}\n`);
  const fields: [string, string][] = [
    ['Package', deb.name],
    ['Version', deb.version],
    ['Architecture', arch],
    ['Maintainer', 'Stub Builder <stub@example.invalid>'],
    ['Installed-Size', '1'],
    ['Section', 'libs'],
    ['Priority', 'optional'],
  ];
  if (arch !== 'all') fields.push(['Multi-Arch', 'same']);
  fields.push(['Description', `synthetic package ${deb.name}\n A package generated for stubbuild tests and benchmarks.`]);
  for (const [k, v] of Object.entries(deb.extraFields ?? {})) fields.push([k, v]);
  const control = Buffer.from(fields.map(([k, v]) => `${k}: ${v.replace(/\n/g, '\n')}\n`).join(''));
  const docDir = `./usr/share/doc/${deb.name}/`;
  const controlTar = tar(
    [
      { name: './', dir: true },
      { name: './control', content: control },
    ],
    mtime,
  );
  const dataTar = tar(
    [
      { name: './', dir: true },
      { name: './usr/', dir: true },
      { name: './usr/share/', dir: true },
      { name: './usr/share/doc/', dir: true },
      { name: docDir, dir: true },
      { name: `${docDir}README`, content: readme },
    ],
    mtime,
  );
  // gzip -1 with no name and mtime 0 in the header, as dpkg-deb writes it (deterministic).
  const gz = (b: Buffer) => gzipSync(b, { level: 1 });
  return Buffer.concat([
    Buffer.from('!<arch>\n', 'latin1'),
    arMember('debian-binary', Buffer.from('2.0\n'), mtime),
    arMember('control.tar.gz', gz(controlTar), mtime),
    arMember('data.tar.gz', gz(dataTar), mtime),
  ]);
}

/** Writes the .deb into `dir` as NAME_VERSION_ARCH.deb and returns its path. */
export async function writeSyntheticDeb(dir: string, deb: SyntheticDeb): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${deb.name}_${deb.version.replace(/^[0-9]+:/, '')}_${deb.arch ?? 'stubdom-amd64'}.deb`);
  await writeFile(path, syntheticDebBytes(deb));
  return path;
}
