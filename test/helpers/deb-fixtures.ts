// Small real .deb files for the repository tests, built with dpkg-deb (and ar/tar/xz for
// the broken variants dpkg-deb refuses to make).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type DebCompression = 'gzip' | 'xz' | 'zstd' | 'none';

export interface DebFixture {
  name?: string;
  version?: string;
  arch?: string;
  compression?: DebCompression;
  /** Value of the Source field ("zlib" or "zlib (1:1.3-1)"); none when absent. */
  source?: string;
  /** Control fields to leave out (e.g. ['Version']); the deb is then built with --nocheck. */
  omit?: string[];
  /** More control fields, written after the standard ones. */
  extraFields?: Record<string, string>;
  /** Files to ship, path (relative to /) → content. */
  files?: Record<string, string | Buffer>;
  /** Output file name inside the directory; defaults to name_version_arch.deb. */
  fileName?: string;
}

/** A fresh temporary directory; remove it with removeTempDir. */
export async function makeTempDir(prefix = 'stubbuild-repo-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Builds a .deb in `dir` and returns its path. */
export async function buildDeb(dir: string, fixture: DebFixture = {}): Promise<string> {
  const name = fixture.name ?? 'libstub1';
  const version = fixture.version ?? '1.0-1';
  const arch = fixture.arch ?? 'stubdom-amd64';
  const fields: [string, string][] = [
    ['Package', name],
    ['Version', version],
    ['Architecture', arch],
    ['Maintainer', 'Stub Builder <stub@example.invalid>'],
    ['Installed-Size', '1'],
    ['Section', 'libs'],
    ['Priority', 'optional'],
    ['Description', `test package ${name}\n A package built by the stubbuild tests.\n .\n Second paragraph.`],
  ];
  // Multi-Arch: same is what a stubdom library carries; dpkg refuses it on arch all.
  if (arch !== 'all') fields.splice(fields.length - 1, 0, ['Multi-Arch', 'same']);
  if (fixture.source !== undefined) fields.splice(1, 0, ['Source', fixture.source]);
  for (const [k, v] of Object.entries(fixture.extraFields ?? {})) fields.push([k, v]);
  const omit = new Set((fixture.omit ?? []).map((f) => f.toLowerCase()));
  const control = fields
    .filter(([k]) => !omit.has(k.toLowerCase()))
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');

  const root = await mkdtemp(join(dir, 'root-'));
  await mkdir(join(root, 'DEBIAN'), { mode: 0o755 });
  await writeFile(join(root, 'DEBIAN', 'control'), control);
  const files = fixture.files ?? { [`usr/share/doc/${name}/README`]: `${name} ${version}\n` };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await chmod(root, 0o755);

  const out = join(dir, fixture.fileName ?? `${name}_${version.replace(/^[0-9]+:/, '')}_${arch}.deb`);
  const args = ['--root-owner-group', `-Z${fixture.compression ?? 'xz'}`];
  if (omit.size > 0) args.push('--nocheck');
  await run('dpkg-deb', [...args, '--build', root, out]);
  await rm(root, { recursive: true, force: true });
  return out;
}

/** A file that is not an ar archive at all. */
export async function buildNotArDeb(dir: string): Promise<string> {
  const out = join(dir, 'not-ar.deb');
  await writeFile(out, 'PK\x03\x04 this is a zip file, not a Debian package\n');
  return out;
}

/** Unpacks a good .deb's members into a fresh directory (debian-binary, control.tar.*, data.tar.*). */
async function explode(dir: string, deb: string): Promise<string> {
  const work = await mkdtemp(join(dir, 'members-'));
  await run('ar', ['x', deb], { cwd: work });
  return work;
}

/** An ar archive from the given member files (in that order), written with GNU ar without a symbol index (a .deb has none). */
async function arCreate(out: string, cwd: string, members: string[]): Promise<void> {
  await rm(out, { force: true });
  await run('ar', ['rcS', out, ...members], { cwd });
}

/** A .deb whose ar archive has debian-binary and control.tar but no data.tar. */
export async function buildDebWithoutData(dir: string): Promise<string> {
  const good = await buildDeb(dir, { compression: 'xz', fileName: 'good-for-nodata.deb' });
  const work = await explode(dir, good);
  const out = join(dir, 'no-data.deb');
  await arCreate(out, work, ['debian-binary', 'control.tar.xz']);
  return out;
}

/** A .deb with debian-binary and data.tar but no control.tar. */
export async function buildDebWithoutControl(dir: string): Promise<string> {
  const good = await buildDeb(dir, { compression: 'xz', fileName: 'good-for-nocontrol.deb' });
  const work = await explode(dir, good);
  const out = join(dir, 'no-control.deb');
  await arCreate(out, work, ['debian-binary', 'data.tar.xz']);
  return out;
}

/** A .deb whose first member is not debian-binary. */
export async function buildDebWithStrayMember(dir: string): Promise<string> {
  const good = await buildDeb(dir, { compression: 'xz', fileName: 'good-for-stray.deb' });
  const work = await explode(dir, good);
  await writeFile(join(work, 'evil'), 'not part of a deb\n');
  const out = join(dir, 'stray-member.deb');
  await arCreate(out, work, ['evil', 'debian-binary', 'control.tar.xz', 'data.tar.xz']);
  return out;
}

/**
 * A .deb whose data member is broken: not valid xz or gzip data, or well-compressed bytes
 * that are not a tar archive.
 */
export async function buildDebWithCorruptData(dir: string, kind: 'xz' | 'gzip' | 'not-tar' | 'trailing-garbage' = 'xz'): Promise<string> {
  const good = await buildDeb(dir, { compression: 'xz', fileName: `good-for-corrupt-${kind}.deb` });
  const work = await explode(dir, good);
  let member: string;
  if (kind === 'trailing-garbage') {
    // A complete, valid tar inside, then megabytes of noise: xz gives up while we still write.
    member = 'data.tar.xz';
    await appendFile(join(work, member), randomBytes(8 * 1024 * 1024));
    const out = join(dir, `corrupt-data-${kind}.deb`);
    await arCreate(out, work, ['debian-binary', 'control.tar.xz', member]);
    return out;
  }
  await rm(join(work, 'data.tar.xz'));
  if (kind === 'xz') {
    member = 'data.tar.xz';
    await writeFile(join(work, member), Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]), Buffer.alloc(200, 0x55)]));
  } else if (kind === 'gzip') {
    member = 'data.tar.gz';
    await writeFile(join(work, member), Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(200, 0x55)]));
  } else {
    member = 'data.tar.xz';
    await writeFile(join(work, 'plain'), 'x'.repeat(5000));
    await run('xz', ['-z', join(work, 'plain')]);
    await rename(join(work, 'plain.xz'), join(work, member));
  }
  const out = join(dir, `corrupt-data-${kind}.deb`);
  await arCreate(out, work, ['debian-binary', 'control.tar.xz', member]);
  return out;
}

export interface BombFixture {
  /** Which member expands: control.tar or data.tar. */
  member: 'control' | 'data';
  compression: 'gzip' | 'xz' | 'zstd';
  /** Uncompressed size of the zero-filled file inside the member. */
  expandedBytes: number;
}

const COMPRESSOR: Record<BombFixture['compression'], { ext: string; cmd: string }> = {
  gzip: { ext: 'gz', cmd: 'gzip -9 -n' },
  xz: { ext: 'xz', cmd: 'xz -0 -T1' },
  zstd: { ext: 'zst', cmd: 'zstd -q -1' },
};

/**
 * A decompression bomb: a .deb whose control.tar or data.tar holds a file of zeros that
 * compresses to a few kilobytes but expands to `expandedBytes`.
 */
export async function buildBombDeb(dir: string, bomb: BombFixture): Promise<string> {
  const good = await buildDeb(dir, { compression: 'xz', fileName: `good-for-bomb-${bomb.member}-${bomb.compression}.deb` });
  const work = await explode(dir, good);
  const { ext, cmd } = COMPRESSOR[bomb.compression];
  const tree = join(work, 'tree');
  await mkdir(tree);
  if (bomb.member === 'control') {
    await run('tar', ['-xJf', join(work, 'control.tar.xz'), '-C', tree]);
  }
  const member = `${bomb.member}.tar.${ext}`;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // Zeros compress about a thousandfold, so the member stays tiny whatever expandedBytes is.
  await run('bash', [
    '-c',
    `set -euo pipefail; head -c ${bomb.expandedBytes} /dev/zero > ${q(join(tree, 'zeros'))}; ` +
      `tar --owner=0 --group=0 -cf - -C ${q(tree)} . | ${cmd} > ${q(join(work, member))}; rm -f ${q(join(tree, 'zeros'))}`,
  ]);
  const members = bomb.member === 'control' ? ['debian-binary', member, 'data.tar.xz'] : ['debian-binary', 'control.tar.xz', member];
  const out = join(dir, `bomb-${bomb.member}-${bomb.compression}.deb`);
  await arCreate(out, work, members);
  return out;
}
