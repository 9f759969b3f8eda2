import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSourcePackage, type SourcePackage } from './source-package.ts';

const fixturesDir = path.resolve(import.meta.dirname, '..', 'fixtures', 'sources');

/**
 * The source package `dpkg-source -b` makes from test/fixtures/sources/<name> (a copy, so the
 * tree stays clean), or, where that fixture is missing, a tiny native one of the same name.
 */
export function buildFixtureSource(name = 'libstubhello'): SourcePackage {
  const tree = path.join(fixturesDir, name);
  if (!fs.existsSync(path.join(tree, 'debian', 'control'))) return makeSourcePackage({ name, version: '0.1' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-fixture-'));
  fs.cpSync(tree, path.join(dir, name), { recursive: true });
  execFileSync('dpkg-source', ['-b', name], { cwd: dir, stdio: 'ignore' });
  const files = fs
    .readdirSync(dir)
    .filter((f) => f !== name)
    .map((f) => ({ name: f, content: fs.readFileSync(path.join(dir, f)) }));
  const dscName = files.find((f) => f.name.endsWith('.dsc'))!.name;
  return { dir, dscName, files, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
