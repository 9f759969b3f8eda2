// One Docker engine configured twice (two ids, one socket) is refused at start: each id would
// run its full capacity on it and reap the other's containers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-engine-identity-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('two entries that reach the same engine stop the start with exit 2 and one line naming both', async () => {
  const { ID } = (await new Docker().info()) as { ID: string };
  const engines = [
    { id: 'a', host: 'unix:///var/run/docker.sock', capacity: 2 },
    { id: 'elsewhere', host: 'unix:///nonexistent/docker.sock' },
    { id: 'b', host: 'unix:///var/run/docker.sock' },
  ];
  const refused = await run(process.execPath, [path.join(root, 'bin/stubbuild.js'), 'serve', '--port', '0'], {
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: path.join(scratch, 'data'), BUILDER_ENGINES: JSON.stringify(engines) },
    cwd: root,
    timeout: 60_000,
  }).then(
    () => assert.fail('serve must refuse to start'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(refused.code, 2);
  const lines = refused.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, refused.stderr);
  assert.match(
    lines[0]!,
    new RegExp(
      `BUILDER_ENGINES entries "a" \\(unix:///var/run/docker\\.sock\\) and "b" \\(unix:///var/run/docker\\.sock\\) reach the same Docker engine \\(ID ${ID}\\)`,
    ),
  );
  assert.ok(!fs.existsSync(path.join(scratch, 'data/admin.token')), 'nothing of the service was made');
});
