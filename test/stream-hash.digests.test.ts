// Checksums taken while bytes stream are those of the whole, and a stage refuses as told.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { hashBytes, hashChunks, hashingStage, StreamHash } from '../src/stream-hash.ts';

const whole = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(1000));
const chunks = Array.from({ length: Math.ceil(whole.length / 777) }, (_, i) => whole.subarray(i * 777, (i + 1) * 777));
const hex = (algorithm: string) => createHash(algorithm).update(whole).digest('hex');

test('chunk by chunk, every algorithm asked for and the size', async () => {
  const digests = await hashChunks(Readable.from(chunks), ['sha256', 'sha1', 'md5']);
  assert.deepEqual(digests, { size: whole.length, sha256: hex('sha256'), sha1: hex('sha1'), md5: hex('md5') });
  assert.deepEqual(hashBytes(whole, ['md5']), { size: whole.length, md5: hex('md5') });
});

test('a hashing stage passes bytes on, and fails the stream when its check throws', async () => {
  const hash = new StreamHash(['sha256']);
  const out: Buffer[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => (out.push(chunk), done()) });
  await pipeline(Readable.from(chunks), hashingStage(hash), sink);
  assert.ok(Buffer.concat(out).equals(whole));
  assert.deepEqual(hash.digest(), { size: whole.length, sha256: hex('sha256') });

  const limited = new StreamHash(['sha256']);
  const stage = hashingStage(limited, (chunk) => {
    if (limited.size + chunk.length > 1000) throw new Error('more than 1000 bytes');
  });
  await assert.rejects(pipeline(Readable.from(chunks), stage, new Writable({ write: (_c, _e, done) => done() })), /more than 1000 bytes/);
  assert.equal(limited.size, 777);
});
