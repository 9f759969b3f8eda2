// Source intake of uploads: a real dpkg-source package is accepted, and each way an upload can
// be broken is refused with its own problem+json, leaving no job and no stored file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { snapshotState } from './helpers/db-snapshot.ts';
import { makeSourcePackage, multipartBody, packFixtureSource } from './helpers/source-package.ts';
import { createTestKey } from './helpers/openpgp-test-key.ts';
import { bearer, createTestApp, type TestApp } from './helpers/test-app.ts';

interface Upload {
  name: string;
  content: Buffer | string;
}

const MAX_FILE_BYTES = 256 * 1024;
const pkg = packFixtureSource('libstubhello');
const dscName = pkg.dscName;
const dscText = pkg.files.find((f) => f.name === dscName)!.content.toString('utf8');
const tarball = pkg.files.find((f) => f !== pkg.files.find((g) => g.name === dscName))!;
const uploader = await createTestKey('trusted uploader');
const stranger = await createTestKey('someone else');
const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-keys-'));
const keyringPath = path.join(keyDir, 'uploaders.gpg');
fs.writeFileSync(keyringPath, uploader.publicBinary);

let open: TestApp; // no UPLOADER_KEYRING: unsigned uploads are taken
let signed: TestApp; // UPLOADER_KEYRING set: only .dsc files signed by `uploader`

before(async () => {
  open = await createTestApp({ MAX_UPLOAD_FILE_BYTES: String(MAX_FILE_BYTES) });
  signed = await createTestApp({ UPLOADER_KEYRING: keyringPath, MAX_UPLOAD_FILE_BYTES: String(MAX_FILE_BYTES) });
});
after(async () => {
  await open.close();
  await signed.close();
  pkg.cleanup();
  fs.rmSync(keyDir, { recursive: true, force: true });
});

/** The package with its .dsc replaced by `text` (clear-signed by `by`, unless null). */
async function withDsc(text: string, by: typeof uploader | null = uploader): Promise<Upload[]> {
  const dsc = by ? await by.clearSign(text) : text;
  return pkg.files.map((f) => (f.name === dscName ? { name: dscName, content: dsc } : f));
}

function post(t: TestApp, files: Upload[]) {
  const body = multipartBody(files);
  return t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: { ...bearer(t.submitToken), ...body.headers },
    payload: body.payload,
  });
}

test('the libstubhello fixture, built by dpkg-source -b, is accepted and queued (no keyring configured)', async () => {
  const res = await post(open, pkg.files);
  assert.equal(res.statusCode, 202, res.body);
  const job = res.json();
  assert.equal(job.state, 'queued');
  assert.equal(job.source, 'libstubhello');
  assert.equal(job.version, '0.1');
  assert.deepEqual(job.binaries, ['libstubhello-dev']);
  assert.match(job.buildDepends, /debhelper-compat/);
  assert.deepEqual(job.files.map((f: { name: string }) => f.name).sort(), pkg.files.map((f) => f.name).sort());
  for (const file of job.files as { name: string; sha256: string; size: number }[]) {
    assert.deepEqual(fs.readFileSync(open.store.pathOf(file.sha256)), pkg.files.find((f) => f.name === file.name)!.content);
  }
});

test('with UPLOADER_KEYRING, the fixture clear-signed by a key of the keyring is accepted', async () => {
  const res = await post(signed, await withDsc(dscText));
  assert.equal(res.statusCode, 202, res.body);
  assert.equal(res.json().state, 'queued');
  const one = await signed.app.inject({ method: 'GET', url: `/v1/jobs/${res.json().id}` });
  assert.equal(one.json().files.length, pkg.files.length);
});

// Lines to add to the three checksum fields of the .dsc, for a file listed in all of them.
function listInDsc(text: string, file: { name: string; sha256: string; sha1: string; md5: string; size: number }): string {
  return text
    .replace(/^Checksums-Sha256:\n/m, `Checksums-Sha256:\n ${file.sha256} ${file.size} ${file.name}\n`)
    .replace(/^Checksums-Sha1:\n/m, `Checksums-Sha1:\n ${file.sha1} ${file.size} ${file.name}\n`)
    .replace(/^Files:\n/m, `Files:\n ${file.md5} ${file.size} ${file.name}\n`);
}

const EMPTY = {
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  md5: 'd41d8cd98f00b204e9800998ecf8427e',
};

interface Refusal {
  name: string;
  /** The multipart body, or raw bytes and headers for a broken body. */
  upload: () => Promise<Upload[] | { payload: Buffer; headers: Record<string, string> }>;
  status: number;
  type: string;
  detail: RegExp;
}

const flipped = Buffer.from(tarball.content);
flipped[flipped.length - 20]! ^= 0xff;

const refusals: Refusal[] = [
  {
    name: 'wrong checksum (a file changed after the .dsc was made)',
    upload: async () => (await withDsc(dscText)).map((f) => (f.name === tarball.name ? { ...f, content: flipped } : f)),
    status: 422,
    type: 'invalid-source',
    detail: new RegExp(`${tarball.name.replaceAll('.', '\\.')} does not match its SHA-256 in the \\.dsc`),
  },
  {
    // The bytes match the SHA-256 and the size, but the .dsc's MD5 (Files) says otherwise.
    name: 'wrong MD5 in Files (only the SHA-256 matches)',
    upload: async () =>
      withDsc(dscText.replace(new RegExp(`^ [0-9a-f]{32} (\\d+ ${tarball.name.replaceAll('.', '\\.')})$`, 'm'), ` ${'0'.repeat(32)} $1`)),
    status: 422,
    type: 'invalid-source',
    detail: new RegExp(`${tarball.name.replaceAll('.', '\\.')} does not match its MD5 in the \\.dsc`),
  },
  {
    name: 'wrong SHA-1 in Checksums-Sha1 (only the SHA-256 matches)',
    upload: async () =>
      withDsc(dscText.replace(new RegExp(`^ [0-9a-f]{40} (\\d+ ${tarball.name.replaceAll('.', '\\.')})$`, 'm'), ` ${'f'.repeat(40)} $1`)),
    status: 422,
    type: 'invalid-source',
    detail: new RegExp(`${tarball.name.replaceAll('.', '\\.')} does not match its SHA-1 in the \\.dsc`),
  },
  {
    name: 'missing file',
    upload: async () => (await withDsc(dscText)).filter((f) => f.name !== tarball.name),
    status: 422,
    type: 'invalid-source',
    detail: new RegExp(`${tarball.name.replaceAll('.', '\\.')} is listed in the \\.dsc but not uploaded`),
  },
  {
    name: 'extra file',
    upload: async () => [...(await withDsc(dscText)), { name: 'notes.txt', content: 'not part of the package\n' }],
    status: 422,
    type: 'invalid-source',
    detail: /notes\.txt is not listed in the \.dsc/,
  },
  {
    name: 'file listed twice in the .dsc',
    upload: () => withDsc(dscText.replace(/^(Checksums-Sha256:\n)( .*\n)/m, '$1$2$2')),
    status: 422,
    type: 'invalid-source',
    detail: /Checksums-Sha256: file ".*" listed twice/,
  },
  {
    name: 'file uploaded twice',
    upload: async () => [...(await withDsc(dscText)), tarball],
    status: 422,
    type: 'invalid-source',
    detail: /is uploaded twice/,
  },
  {
    name: 'traversal name on an uploaded file',
    upload: async () => (await withDsc(dscText)).map((f) => (f.name === tarball.name ? { ...f, name: `../../${tarball.name}` } : f)),
    status: 422,
    type: 'invalid-source',
    detail: /file name "\.\.\/\.\.\/.*": file name contains a path separator/,
  },
  {
    name: 'traversal name listed in the .dsc',
    upload: () => withDsc(dscText.replace(/^Checksums-Sha256:\n/m, `Checksums-Sha256:\n ${EMPTY.sha256} 1 ../../etc/cron.d/evil\n`)),
    status: 422,
    type: 'invalid-source',
    detail: /Checksums-Sha256: file name contains a path separator: "\.\.\/\.\.\/etc\/cron\.d\/evil"/,
  },
  {
    name: 'oversize file',
    upload: async () => [...(await withDsc(dscText)), { name: 'big.bin', content: Buffer.alloc(MAX_FILE_BYTES + 1, 7) }],
    status: 413,
    type: 'too-large',
    detail: new RegExp(`big\\.bin is larger than the limit of ${MAX_FILE_BYTES} bytes`),
  },
  {
    name: 'bad Version',
    upload: () => withDsc(dscText.replace(/^Version: .*$/m, 'Version: beta-1')),
    status: 422,
    type: 'invalid-source',
    detail: /invalid field Version: version number does not start with a digit/,
  },
  {
    name: 'a terminal escape in a field of the .dsc',
    upload: () =>
      withDsc(
        dscText.replace(/^Maintainer: .*$/m, 'Maintainer: \u001b]8;;http://evil.example/\u0007stubbuild <stubbuild@localhost.invalid>'),
      ),
    status: 422,
    type: 'invalid-source',
    detail: /the Maintainer field holds the control character U\+001B/,
  },
  {
    name: 'no Source field',
    upload: () => withDsc(dscText.replace(/^Source: .*\n/m, '')),
    status: 422,
    type: 'invalid-source',
    detail: /missing field Source/,
  },
  {
    name: 'an Architecture that excludes stubdom-amd64',
    upload: () => withDsc(dscText.replace(/^Architecture: .*$/m, 'Architecture: arm64 linux-any')),
    status: 422,
    type: 'unsupported-architecture',
    detail: /builds only for arm64 linux-any, not stubdom-amd64/,
  },
  {
    name: 'missing signature while UPLOADER_KEYRING is configured',
    upload: () => withDsc(dscText, null),
    status: 422,
    type: 'bad-signature',
    detail: new RegExp(`${dscName.replaceAll('.', '\\.')} is not signed`),
  },
  {
    name: 'bad signature (the signed text was changed afterwards)',
    upload: async () => {
      const text = (await uploader.clearSign(dscText)).replace(/^Maintainer: .*$/m, 'Maintainer: Mallory <m@example.invalid>');
      return pkg.files.map((f) => (f.name === dscName ? { name: dscName, content: text } : f));
    },
    status: 422,
    type: 'bad-signature',
    detail: /bad signature: the signature by key [0-9A-F]{16} does not verify/,
  },
  {
    name: 'signature by a key that is not in the uploader keyring',
    upload: () => withDsc(dscText, stranger),
    status: 422,
    type: 'bad-signature',
    detail: new RegExp(`signed by key ${stranger.keyId}, which is not in .*uploaders\\.gpg`),
  },
  {
    name: 'truncated multipart body',
    upload: async () => {
      const body = multipartBody(await withDsc(dscText));
      return { payload: body.payload.subarray(0, body.payload.length - 200), headers: body.headers };
    },
    status: 400,
    type: 'malformed-multipart',
    detail: /malformed or truncated: Unexpected end of multipart data/,
  },
  {
    name: 'empty file',
    upload: async () => [
      ...(await withDsc(listInDsc(dscText, { name: 'empty.patch', size: 0, ...EMPTY }))),
      { name: 'empty.patch', content: '' },
    ],
    status: 422,
    type: 'invalid-source',
    detail: /empty\.patch is empty/,
  },
  {
    name: 'no .dsc at all',
    upload: async () => [tarball],
    status: 422,
    type: 'invalid-source',
    detail: /the upload has no \.dsc file/,
  },
  {
    name: 'two .dsc files',
    upload: async () => [...(await withDsc(dscText)), { name: 'other_1.0.dsc', content: await uploader.clearSign(dscText) }],
    status: 422,
    type: 'invalid-source',
    detail: /the upload has 2 \.dsc files/,
  },
];

for (const c of refusals) {
  test(`refused: ${c.name} → ${c.status} ${c.type}, no job and no file left`, async () => {
    const upload = await c.upload();
    const body = Array.isArray(upload) ? multipartBody(upload) : upload;
    const before = await snapshotState(signed.db, signed.dataDir);
    const res = await signed.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...bearer(signed.submitToken), ...body.headers },
      payload: body.payload,
    });
    assert.equal(res.statusCode, c.status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json();
    assert.equal(problem.type, `urn:stubbuild:problem:${c.type}`);
    assert.equal(problem.status, c.status);
    assert.match(problem.detail, c.detail);
    assert.deepEqual(await snapshotState(signed.db, signed.dataDir), before);
  });
}

test('a refusal after the files were stored (an Idempotency-Key reused for another upload) leaves no file and no empty directory', async () => {
  const key = { 'idempotency-key': 'refusal-after-commit' };
  const first = multipartBody(await withDsc(dscText));
  const accepted = await signed.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers: { ...bearer(signed.submitToken), ...key, ...first.headers },
    payload: first.payload,
  });
  assert.equal(accepted.statusCode, 202, accepted.body);
  const other = makeSourcePackage({ name: 'libother', version: '1:2.0~rc1+ds' });
  try {
    const files = await Promise.all(
      other.files.map(async (f) =>
        f.name === other.dscName ? { name: f.name, content: await uploader.clearSign(f.content.toString('utf8')) } : f,
      ),
    );
    const body = multipartBody(files);
    const before = await snapshotState(signed.db, signed.dataDir);
    const res = await signed.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { ...bearer(signed.submitToken), ...key, ...body.headers },
      payload: body.payload,
    });
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().type, 'urn:stubbuild:problem:idempotency-conflict');
    assert.deepEqual(await snapshotState(signed.db, signed.dataDir), before);
  } finally {
    other.cleanup();
  }
});

test('there are at least twelve distinct refusals', () => {
  assert.ok(refusals.length >= 12);
  assert.equal(new Set(refusals.map((c) => c.name)).size, refusals.length);
});
