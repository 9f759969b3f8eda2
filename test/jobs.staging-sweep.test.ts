// Staging files a crash left behind: named for their process, swept by owner, not by age alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { SourceStore } from '../src/jobs/source-store.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-staging-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

test("a sweep removes a dead process's staging files at once and keeps a live one's", async () => {
  const store = new SourceStore(dataDir);
  const live = await store.stage('live.dsc', Readable.from([Buffer.from('mine')]), 1024);
  assert.match(path.basename(live.tmpPath), new RegExp(`^upload\\.[A-Za-z0-9_-]+\\.${process.pid}\\.`));
  assert.equal(live.md5, '918b81db5e91d031548b963c93845e5b', 'the MD5 is computed while staging');

  // A process that has exited: its pid is known to be free right now.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const host = path.basename(live.tmpPath).split('.')[1];
  const leftover = path.join(store.tmpDir, `upload.${host}.${dead}.00000000-0000-4000-8000-000000000000`);
  fs.writeFileSync(leftover, 'half an upload');
  // Another machine sharing DATA_DIR: only by age.
  const otherHost = path.join(store.tmpDir, 'upload.another-host.1.00000000-0000-4000-8000-000000000001');
  fs.writeFileSync(otherHost, 'elsewhere');

  assert.equal(await store.removeStaleStaging(), 1);
  assert.ok(!fs.existsSync(leftover), "the dead process's file is gone");
  assert.ok(fs.existsSync(live.tmpPath), "the live process's upload stays");
  assert.ok(fs.existsSync(otherHost), "another machine's recent file stays");

  const old = new Date(Date.now() - 2 * 3600_000);
  fs.utimesSync(otherHost, old, old);
  assert.equal(await store.removeStaleStaging(), 1);
  assert.ok(!fs.existsSync(otherHost), "another machine's file goes once it is old");
  assert.ok(fs.existsSync(live.tmpPath));
  await store.discard([live]);
});
