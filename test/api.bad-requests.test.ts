import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { after, before, test } from 'node:test';
import { createToken, revokeToken } from '../src/tokens/tokens.ts';
import { snapshotState } from './helpers/db-snapshot.ts';
import { makeSourcePackage, multipartBody } from './helpers/source-package.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let revoked: string;
let expired: string;

before(async () => {
  t = await createTestApp({ MAX_JSON_BYTES: '2048', MAX_UPLOAD_FILE_BYTES: '4096' });
  const r = await createToken(t.db, { role: 'submit', name: 'to revoke' });
  await revokeToken(t.db, r.id);
  revoked = r.token;
  expired = (await createToken(t.db, { role: 'admin', expiresAt: new Date(Date.now() - 1000) })).token;
});
after(() => t.close());

interface Case {
  name: string;
  request: InjectOptions & { method: 'GET' | 'POST' | 'DELETE'; headers?: Record<string, string> };
  status: number;
  type: string;
  detail?: RegExp;
}

const json = { 'content-type': 'application/json' };
const big = makeSourcePackage({ name: 'libstubbig' });
const bigBody = multipartBody([...big.files, { name: 'huge.bin', content: Buffer.alloc(8192, 1) }]);
const strayField = multipartBody([...big.files, { name: 'comment', content: 'please build', text: true }]);
after(() => big.cleanup());

const cases: Case[] = [
  {
    name: 'malformed JSON',
    request: { method: 'POST', url: '/v1/jobs', headers: { ...json }, payload: '{"source": "zlib"' },
    status: 400,
    type: 'malformed-json',
  },
  {
    name: 'unknown field',
    request: { method: 'POST', url: '/v1/jobs', payload: { source: 'zlib', priority: 5 } },
    status: 400,
    type: 'validation',
    detail: /priority/,
  },
  {
    name: 'an architecture this service does not build',
    request: { method: 'POST', url: '/v1/jobs', payload: { source: 'zlib', arch: 'stubdom-arm64' } },
    status: 422,
    type: 'unsupported-architecture',
    detail: /does not build for stubdom-arm64; it builds for stubdom-amd64/,
  },
  {
    name: 'wrong type',
    request: { method: 'POST', url: '/v1/jobs', payload: { source: 5 } },
    status: 400,
    type: 'validation',
    detail: /source/,
  },
  {
    name: 'not a source name',
    request: { method: 'POST', url: '/v1/jobs', payload: { source: '../../etc' } },
    status: 400,
    type: 'validation',
  },
  {
    name: 'JSON body over the limit',
    request: { method: 'POST', url: '/v1/jobs', payload: { source: 'zlib', version: 'x'.repeat(4096) } },
    status: 413,
    type: 'too-large',
  },
  {
    name: 'upload file over the limit',
    request: { method: 'POST', url: '/v1/jobs', headers: bigBody.headers, payload: bigBody.payload },
    status: 413,
    type: 'too-large',
  },
  {
    name: 'stray multipart field',
    request: { method: 'POST', url: '/v1/jobs', headers: strayField.headers, payload: strayField.payload },
    status: 400,
    type: 'invalid-input',
    detail: /unexpected form field "comment"/,
  },
  {
    name: 'stray multipart field on packages',
    request: { method: 'POST', url: '/v1/admin/packages', headers: strayField.headers, payload: strayField.payload },
    status: 400,
    type: 'invalid-input',
    detail: /unexpected form field "comment"/,
  },
  {
    name: 'unsupported media type',
    request: { method: 'POST', url: '/v1/jobs', headers: { 'content-type': 'text/plain' }, payload: 'zlib' },
    status: 415,
    type: 'unsupported-media-type',
  },
  {
    // Only the upload routes parse multipart (withMultipart); the others refuse it unread.
    name: 'multipart to a JSON-only route',
    request: { method: 'POST', url: '/v1/admin/tokens', headers: strayField.headers, payload: strayField.payload },
    status: 415,
    type: 'unsupported-media-type',
  },
  {
    name: 'bad Idempotency-Key',
    request: { method: 'POST', url: '/v1/jobs', headers: { 'idempotency-key': 'with space' }, payload: { source: 'zlib' } },
    status: 400,
    type: 'validation',
  },
  { name: 'job id not a number', request: { method: 'GET', url: '/v1/jobs/abc' }, status: 400, type: 'validation' },
  { name: 'job id out of range', request: { method: 'GET', url: '/v1/jobs/99999999999' }, status: 400, type: 'validation' },
  { name: 'unknown job id', request: { method: 'GET', url: '/v1/jobs/424242' }, status: 404, type: 'not-found' },
  { name: 'limit out of range', request: { method: 'GET', url: '/v1/jobs?limit=501' }, status: 400, type: 'validation' },
  { name: 'unknown state filter', request: { method: 'GET', url: '/v1/jobs?state=done' }, status: 400, type: 'validation' },
  { name: 'cursor not ours', request: { method: 'GET', url: '/v1/jobs?cursor=Zm9v' }, status: 400, type: 'invalid-input' },
  { name: 'unknown route', request: { method: 'GET', url: '/v1/nothing' }, status: 404, type: 'route-not-found' },
  { name: 'token id not a uuid', request: { method: 'DELETE', url: '/v1/admin/tokens/12' }, status: 400, type: 'validation' },
  {
    name: 'unknown token id',
    request: { method: 'DELETE', url: '/v1/admin/tokens/6f1c1a52-8a43-4f43-9d43-0c1f7c1f4b10' },
    status: 404,
    type: 'not-found',
  },
  {
    name: 'token role not known',
    request: { method: 'POST', url: '/v1/admin/tokens', payload: { role: 'root' } },
    status: 400,
    type: 'validation',
  },
];

for (const c of cases) {
  test(`${c.name}: ${c.status} problem+json, nothing changed`, async () => {
    const before = await snapshotState(t.db, t.dataDir);
    const res = await t.app.inject({ ...c.request, headers: { ...bearer(t.adminToken), ...c.request.headers } });
    assert.equal(res.statusCode, c.status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json();
    assert.equal(problem.type, `urn:stubbuild:problem:${c.type}`);
    assert.equal(problem.status, c.status);
    assert.equal(typeof problem.title, 'string');
    if (c.detail) assert.match(problem.detail, c.detail);
    assert.deepEqual(await snapshotState(t.db, t.dataDir), before);
  });
}

const authCases: { name: string; headers: Record<string, string>; url: string; method: 'POST' | 'GET'; status: number; detail: RegExp }[] =
  [
    { name: 'missing token', headers: {}, method: 'POST', url: '/v1/jobs', status: 401, detail: /needs a bearer token/ },
    {
      name: 'malformed Authorization',
      headers: { authorization: 'Token abc' },
      method: 'POST',
      url: '/v1/jobs',
      status: 401,
      detail: /Bearer/,
    },
    { name: 'unknown token', headers: bearer('sbt_nope'), method: 'POST', url: '/v1/jobs', status: 401, detail: /not known/ },
    { name: 'revoked token', headers: bearer('REVOKED'), method: 'POST', url: '/v1/jobs', status: 401, detail: /revoked/ },
    { name: 'expired token', headers: bearer('EXPIRED'), method: 'POST', url: '/v1/jobs', status: 401, detail: /expired/ },
    { name: 'bad token on a public read', headers: bearer('sbt_nope'), method: 'GET', url: '/v1/jobs', status: 401, detail: /not known/ },
    {
      name: 'submit token on an admin route',
      headers: bearer('SUBMIT'),
      method: 'GET',
      url: '/v1/admin/tokens',
      status: 403,
      detail: /admin role/,
    },
  ];

for (const c of authCases) {
  test(`${c.name}: ${c.status} problem+json, nothing changed`, async () => {
    const headers = Object.fromEntries(
      Object.entries(c.headers).map(([k, v]) => [
        k,
        v.replace('REVOKED', revoked).replace('EXPIRED', expired).replace('SUBMIT', t.submitToken),
      ]),
    );
    const before = await snapshotState(t.db, t.dataDir);
    const res = await t.app.inject({
      method: c.method,
      url: c.url,
      headers,
      ...(c.method === 'POST' ? { payload: { source: 'zlib' } } : {}),
    });
    assert.equal(res.statusCode, c.status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.match(res.json().detail, c.detail);
    if (c.status === 401) assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    assert.deepEqual(await snapshotState(t.db, t.dataDir), before);
  });
}

test('with PUBLIC_READS=false, reading needs a token', async () => {
  const closed = await createTestApp({ PUBLIC_READS: 'false' });
  try {
    assert.equal((await closed.app.inject({ method: 'GET', url: '/v1/jobs' })).statusCode, 401);
    assert.equal((await closed.app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(closed.submitToken) })).statusCode, 200);
    assert.equal((await closed.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  } finally {
    await closed.close();
  }
});
