import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SourcePackage {
  dir: string;
  dscName: string;
  files: { name: string; content: Buffer }[];
  cleanup(): void;
}

/** A real source package made by `dpkg-source -b` from a tiny native package written here. */
export function makeSourcePackage(
  options: {
    name?: string;
    version?: string;
    architecture?: string;
    buildDepends?: string;
    /** Extra debian/rules targets after `%: dh $@` (e.g. an override_dh_auto_build). */
    rules?: string;
    /** More binary packages besides `<name>-dev` (empty ones), e.g. a tool named like the library. */
    extraBinaries?: string[];
  } = {},
): SourcePackage {
  const name = options.name ?? 'libstubtiny';
  const version = options.version ?? '1.0';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-src-'));
  const tree = path.join(dir, `${name}-${version}`);
  fs.mkdirSync(path.join(tree, 'debian', 'source'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'tiny.c'), `int tiny_${randomBytes(3).toString('hex')}(void) { return 42; }\n`);
  fs.writeFileSync(path.join(tree, 'debian', 'source', 'format'), '3.0 (native)\n');
  fs.writeFileSync(
    path.join(tree, 'debian', 'control'),
    `Source: ${name}\nSection: libs\nPriority: optional\nMaintainer: Test <test@example.org>\n` +
      `Build-Depends: ${options.buildDepends ?? 'debhelper-compat (= 13)'}\nStandards-Version: 4.6.2\n` +
      `Rules-Requires-Root: no\n\nPackage: ${name}-dev\nArchitecture: ${options.architecture ?? 'any'}\n` +
      `Multi-Arch: same\nDescription: tiny test library\n a fixture\n` +
      (options.extraBinaries ?? [])
        .map((b) => `\nPackage: ${b}\nArchitecture: any\nDescription: ${b} of the fixture\n a fixture\n`)
        .join(''),
  );
  fs.writeFileSync(
    path.join(tree, 'debian', 'changelog'),
    `${name} (${version}) unstable; urgency=medium\n\n  * Fixture.\n\n -- Test <test@example.org>  Fri, 27 Nov 2026 12:00:00 +0000\n`,
  );
  fs.writeFileSync(path.join(tree, 'debian', 'rules'), `#!/usr/bin/make -f\n%:\n\tdh $@\n${options.rules ?? ''}`, {
    mode: 0o755,
  });
  execFileSync('dpkg-source', ['-b', `${name}-${version}`], { cwd: dir, stdio: 'ignore' });
  const files = fs
    .readdirSync(dir)
    .filter((f) => f !== `${name}-${version}`)
    .map((f) => ({ name: f, content: fs.readFileSync(path.join(dir, f)) }));
  const dscName = files.find((f) => f.name.endsWith('.dsc'))!.name;
  return { dir, dscName, files, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A multipart/form-data body with one file part per file, for app.inject; an entry with
 * `text: true` is a plain form field named `field` instead.
 */
export function multipartBody(files: readonly { name: string; content: Buffer | string; field?: string; text?: boolean }[]): {
  payload: Buffer;
  headers: Record<string, string>;
} {
  const boundary = `----stubbuild${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  files.forEach((file, index) => {
    const disposition = file.text
      ? `form-data; name="${file.field ?? file.name}"\r\n\r\n`
      : `form-data; name="${file.field ?? `file${index}`}"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}`),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** `dpkg-source -b` of the tree `dir/fixture`: the files it wrote beside the tree. */
function buildSource(dir: string, fixture: string): SourcePackage {
  execFileSync('dpkg-source', ['-b', fixture], { cwd: dir, stdio: 'ignore' });
  const files = fs
    .readdirSync(dir)
    .filter((f) => f !== fixture)
    .map((f) => ({ name: f, content: fs.readFileSync(path.join(dir, f)) }));
  const dscName = files.find((f) => f.name.endsWith('.dsc'))!.name;
  return { dir, dscName, files, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A source package made by `dpkg-source -b` from a fixture tree under test/fixtures/sources. */
export function packFixtureSource(fixture: string): SourcePackage {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-fixture-'));
  const from = path.join(import.meta.dirname, '..', 'fixtures', 'sources', fixture);
  fs.cpSync(from, path.join(dir, fixture), { recursive: true });
  return buildSource(dir, fixture);
}

/**
 * packFixtureSource of a changed copy: `edits` (file → [from, to] replacements) applied, then a
 * changelog entry for `version` on top.
 */
export function packFixtureVariant(
  fixture: string,
  options: { version: string; edits?: Record<string, [string, string][]> },
): SourcePackage {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-fixture-'));
  const tree = path.join(dir, fixture);
  fs.cpSync(path.join(import.meta.dirname, '..', 'fixtures', 'sources', fixture), tree, { recursive: true });
  for (const [file, replacements] of Object.entries(options.edits ?? {})) {
    let text = fs.readFileSync(path.join(tree, file), 'utf8');
    for (const [from, to] of replacements) {
      if (!text.includes(from)) throw new Error(`${fixture}/${file} has no ${JSON.stringify(from)}`);
      text = text.replaceAll(from, to);
    }
    fs.writeFileSync(path.join(tree, file), text);
  }
  const changelog = path.join(tree, 'debian', 'changelog');
  const name = /^(\S+) /.exec(fs.readFileSync(changelog, 'utf8'))![1]!;
  fs.writeFileSync(
    changelog,
    `${name} (${options.version}) stubdom; urgency=medium\n\n  * Test variant.\n\n -- stubbuild <stubbuild@localhost.invalid>  Fri, 27 Nov 2026 12:00:00 +0000\n\n` +
      fs.readFileSync(changelog, 'utf8'),
  );
  return buildSource(dir, fixture);
}
