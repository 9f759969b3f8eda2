// Two `stubbuild serve` started at the same moment on one empty PostgreSQL database and one
// shared DATA_DIR (the deployment the README describes) create one admin token between them,
// and only the replica that made it writes the token file.
// PostgreSQL only: the embedded database admits one process.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { freePort } from './helpers/free-port.ts';
import { createServerDatabase, dropServerDatabase } from './helpers/server-database.ts';
import { waitFor } from './helpers/wait-for.ts';

const serverUrl = process.env.DATABASE_URL || undefined;
const root = path.resolve(import.meta.dirname, '..');
const scratch = serverUrl ? fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-replicas-')) : '';
const dbName = `stubbuild_replicas_${process.pid}`;
const children: ChildProcess[] = [];
// Registered only on PostgreSQL, as the test is (on Node 20 a file-level hook in a file without
// tests ran until the process ran out of memory).
if (serverUrl)
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((resolve) => c.on('exit', resolve)) : undefined)));
    if (serverUrl) await dropServerDatabase(serverUrl, dbName);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

const dataDir = path.join(scratch, 'data');

async function startReplica(databaseUrl: string, name: string): Promise<{ name: string; url: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [path.join(root, 'bin/stubbuild.js'), 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      // No engine is needed to start; one that is absent only shows unhealthy.
      BUILDER_ENGINES: JSON.stringify([{ id: 'absent', host: 'unix:///nonexistent/docker.sock' }]),
    },
  });
  children.push(child);
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { name, url: `http://127.0.0.1:${port}`, output: () => output };
}

// Registered only on PostgreSQL: a skipped test would count as a failure of the run.
if (serverUrl)
  test('two replicas starting together on an empty database make one admin token, and one token file', async () => {
    const databaseUrl = await createServerDatabase(serverUrl!, dbName);
    const replicas = await Promise.all([startReplica(databaseUrl, 'one'), startReplica(databaseUrl, 'two')]);
    for (const replica of replicas) {
      await waitFor(
        `replica ${replica.name} to answer /healthz`,
        async () => (await fetch(`${replica.url}/healthz`).catch(() => undefined))?.status === 200,
        { stallMs: 90_000, intervalMs: 250, progress: () => replica.output().length, explain: () => replica.output().slice(-3000) },
      );
    }
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from api_tokens where role = 'admin'`);
      assert.equal(rows[0]!.n, 1);
    } finally {
      await client.end();
    }
    const writers = replicas.filter((r) => r.output().includes('no admin token existed: created one'));
    assert.equal(writers.length, 1, 'only the replica that made the token writes the file');
    const token = fs.readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
    for (const replica of replicas) {
      const res = await fetch(`${replica.url}/v1/admin/engines`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, 'the token works on every replica');
    }
  });
