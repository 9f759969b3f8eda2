// The architectures are data (arches/*.json): no file in src/ outside src/config/ names one.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

test('no architecture name of arches/*.json appears in src/ outside src/config/', async () => {
  const names = (await readdir(path.join(root, 'arches'))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
  assert.ok(names.length >= 2, `profiles found: ${names.join(', ')}`);
  const files = (await readdir(path.join(root, 'src'), { recursive: true }))
    .filter((f) => f.endsWith('.ts') && !f.startsWith(`config${path.sep}`))
    .map((f) => path.join('src', f));
  assert.ok(files.length > 100, `${files.length} files read`);
  const found: string[] = [];
  for (const file of files) {
    const text = await readFile(path.join(root, file), 'utf8');
    for (const name of names) if (text.includes(name)) found.push(`${file}: ${name}`);
  }
  assert.deepEqual(found, []);
});
