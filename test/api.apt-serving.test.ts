// GET /apt/…: the repository served as static files (HEAD, ranges, validators, caching),
// nothing outside it and no dotfile, and HTTP Basic with a token when REPO_AUTH=basic.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as openpgp from 'openpgp';
import { createAptClient } from './helpers/apt-client.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { startService, uploadDebs, type RunningService } from './helpers/running-service.ts';
import { syntheticDebBytes } from './helpers/synthetic-deb.ts';

/**
 * A request with the path and headers exactly as given: fetch normalises "..", and adds
 * Cache-Control: no-cache to conditional requests.
 */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('without authentication (REPO_AUTH=none)', () => {
  let service: RunningService;
  before(async () => {
    service = await startService();
    const res = await uploadDebs(service, [
      syntheticDebBytes({ name: 'libserve1', version: '1.0-1' }),
      // A ported build's version: epoch, ~ and + (apt asks for the + as %2B).
      syntheticDebBytes({ name: 'libplus-dev', version: '1:1.2.13.dfsg-1~bpo1+stubdom1+b2' }),
    ]);
    assert.equal(res.status, 200);
  });
  after(() => service.close());

  test('a real apt client downloads a version with + in it (apt sends %2B)', async () => {
    const work = await makeTempDir('stubbuild-apt-plus-');
    const keyFile = join(work, 'key.asc');
    await writeFile(keyFile, Buffer.from(await (await fetch(`${service.aptUrl}/key.asc`)).arrayBuffer()));
    const client = await createAptClient({ url: service.aptUrl, suite: 'stubdom', keyFile });
    try {
      const update = await client.aptUpdate();
      assert.equal(update.code, 0, update.stdout + update.stderr);
      const download = await client.aptDownload('libplus-dev:stubdom-amd64');
      assert.equal(download.code, 0, download.stdout + download.stderr);
      assert.deepEqual(download.files, ['libplus-dev_1%3a1.2.13.dfsg-1~bpo1+stubdom1+b2_stubdom-amd64.deb']);
    } finally {
      await client.close();
      await removeTempDir(work);
    }
  });

  test('only dists/, pool/, key.asc and key.gpg are served, whatever else REPO_DIR holds', async () => {
    const dir = service.repo.settings.dir;
    await mkdir(join(dir, 'keys'), { recursive: true });
    await writeFile(join(dir, 'admin.token'), 'sbt_secret\n');
    await writeFile(join(dir, 'keys', 'repo-signing-key.asc'), '-----BEGIN PGP PRIVATE KEY BLOCK-----\n');
    await writeFile(join(dir, 'notes.txt'), 'operator notes\n');
    for (const path of [
      '/apt/admin.token',
      '/apt/keys/repo-signing-key.asc',
      '/apt/notes.txt',
      '/apt/%61dmin.token',
      '/apt/dists',
      '/apt/pool',
    ]) {
      const res = await rawGet(service.url, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /sbt_secret|PRIVATE KEY|operator notes/, path);
    }
    assert.equal((await fetch(`${service.aptUrl}/key.gpg`)).status, 200);
  });

  test('HEAD answers the headers of GET without a body', async () => {
    const get = await fetch(`${service.aptUrl}/dists/stubdom/Release`);
    const body = Buffer.from(await get.arrayBuffer());
    const head = await fetch(`${service.aptUrl}/dists/stubdom/Release`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(body.length));
    assert.equal(head.headers.get('etag'), get.headers.get('etag'));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  test('Range requests get 206 with the bytes asked for', async () => {
    const full = Buffer.from(await (await fetch(`${service.aptUrl}/dists/stubdom/InRelease`)).arrayBuffer());
    const res = await fetch(`${service.aptUrl}/dists/stubdom/InRelease`, { headers: { range: 'bytes=10-29' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 10-29/${full.length}`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(full.subarray(10, 30)));
  });

  test('If-None-Match with the ETag gets 304; Last-Modified is sent once the second of the last write has passed', async () => {
    const path = '/key.asc';
    const info = await stat(join(service.repo.settings.dir, 'key.asc'));
    const wait = Math.ceil(info.mtimeMs / 1000) * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait + 10));
    const first = await fetch(`${service.aptUrl}${path}`);
    const etag = first.headers.get('etag')!;
    assert.ok(etag);
    assert.equal(first.headers.get('last-modified'), new Date(Math.ceil(info.mtimeMs / 1000) * 1000).toUTCString());
    const again = await rawGet(service.url, `/apt${path}`, { 'if-none-match': etag });
    assert.equal(again.status, 304);
  });

  test('by-hash files are cacheable for good; InRelease must be revalidated', async () => {
    const inRelease = await fetch(`${service.aptUrl}/dists/stubdom/InRelease`);
    assert.equal(inRelease.headers.get('cache-control'), 'no-cache');
    const text = await inRelease.text();
    const hash = /^ ([0-9a-f]{64}) +\d+ main\/binary-stubdom-amd64\/Packages$/m.exec(text)![1];
    const byHash = await fetch(`${service.aptUrl}/dists/stubdom/main/binary-stubdom-amd64/by-hash/SHA256/${hash}`);
    assert.equal(byHash.status, 200);
    assert.match(byHash.headers.get('cache-control') ?? '', /immutable/);
  });

  test('key.asc and key.gpg are the signing key, as application/pgp-keys', async () => {
    const asc = await fetch(`${service.aptUrl}/key.asc`);
    assert.equal(asc.headers.get('content-type'), 'application/pgp-keys');
    const key = await openpgp.readKey({ armoredKey: await asc.text() });
    assert.equal(key.getFingerprint().toUpperCase(), service.repo.signer.fingerprint);
    const gpg = await fetch(`${service.aptUrl}/key.gpg`);
    const binary = await openpgp.readKey({ binaryKey: new Uint8Array(await gpg.arrayBuffer()) });
    assert.equal(binary.getFingerprint().toUpperCase(), service.repo.signer.fingerprint);
  });

  test('dotfiles and paths outside the repository are never served', async () => {
    await writeFile(join(service.repo.settings.dir, 'dists/stubdom/.tmp-abc-InRelease'), 'half written');
    for (const path of [
      '/apt/.stubbuild-gc.json',
      '/apt/dists/stubdom/.tmp-abc-InRelease',
      '/apt/../../../../etc/passwd',
      '/apt/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/apt/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/apt/dists/../../keys/repo-signing-key.asc',
      '/apt/%2e%2e/keys/repo-signing-key.asc',
    ]) {
      const res = await rawGet(service.url, path);
      assert.ok(res.status === 404 || res.status === 403 || res.status === 400, `${path}: ${res.status}`);
      assert.doesNotMatch(res.body, /root:|PRIVATE KEY|half written/, path);
    }
    for (const dir of ['/dists/', '/dists/stubdom/', '/pool/main/']) {
      const listing = await fetch(`${service.aptUrl}${dir}`);
      assert.ok(listing.status === 403 || listing.status === 404, `no directory listing of ${dir}`);
      // A refusal is typed by what it is, not as a bad request.
      const problem = (await listing.json()) as { type: string };
      assert.equal(problem.type, `urn:stubbuild:problem:${listing.status === 403 ? 'forbidden' : 'not-found'}`, dir);
    }
  });

  test('/apt/ needs no token', async () => {
    assert.equal((await fetch(`${service.aptUrl}/dists/stubdom/InRelease`)).status, 200);
  });
});

describe('with REPO_AUTH=basic', () => {
  let service: RunningService;
  let work: string;
  before(async () => {
    work = await makeTempDir('stubbuild-apt-auth-');
    service = await startService({ REPO_AUTH: 'basic' });
    const res = await uploadDebs(service, [syntheticDebBytes({ name: 'libsecret1', version: '1.0-1' })]);
    assert.equal(res.status, 200);
  });
  after(async () => {
    await service.close();
    await removeTempDir(work);
  });

  const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`apt:${password}`).toString('base64')}` });

  test('without credentials, or with a token that is not known: 401 asking for Basic', async () => {
    for (const headers of [{}, basic('sbt_nope'), { authorization: 'Bearer x' }]) {
      const res = await fetch(`${service.aptUrl}/dists/stubdom/InRelease`, { headers });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
  });

  test('an API token as the Basic password is let in', async () => {
    const res = await fetch(`${service.aptUrl}/dists/stubdom/InRelease`, { headers: basic(service.submitToken) });
    assert.equal(res.status, 200);
  });

  test('apt with a read-only token in auth.conf updates and downloads', async () => {
    const created = await fetch(`${service.url}/v1/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'read', name: 'apt clients' }),
    });
    assert.equal(created.status, 201);
    const reader = ((await created.json()) as { token: string }).token;
    // apt applies auth.conf entries to plain http only when they name the scheme.
    const keyRes = await fetch(`${service.aptUrl}/key.asc`, { headers: basic(reader) });
    const keyFile = join(work, 'key.asc');
    await writeFile(keyFile, Buffer.from(await keyRes.arrayBuffer()));
    const client = await createAptClient({ url: service.aptUrl, suite: 'stubdom', keyFile });
    try {
      const denied = await client.aptUpdate();
      assert.notEqual(denied.code, 0, 'no credentials: apt is refused');
      const host = new URL(service.url).host;
      await writeFile(join(client.root, 'etc/auth.conf.d/stubbuild.conf'), `machine http://${host}/apt\nlogin apt\npassword ${reader}\n`, {
        mode: 0o600,
      });
      const update = await client.aptUpdate();
      assert.equal(update.code, 0, update.stdout + update.stderr);
      const download = await client.aptDownload('libsecret1:stubdom-amd64');
      assert.equal(download.code, 0, download.stdout + download.stderr);
    } finally {
      await client.close();
    }
  });
});
