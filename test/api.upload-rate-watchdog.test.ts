import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { UploadRateWatchdog } from '../src/api/upload-rate.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A socket that has read `bytesRead` bytes so far; the watchdog reads nothing else of it. */
function fakeSocket(): Socket & { bytesRead: number } {
  return Object.assign(new EventEmitter(), { bytesRead: 0 }) as unknown as Socket & { bytesRead: number };
}

test('a guarded step that settled is not kept: thousands of parts do not pile up until the upload ends', async () => {
  const watchdog = new UploadRateWatchdog(fakeSocket(), { minBytesPerSecond: 1, windowMs: 60_000 });
  try {
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 100; i++) {
      const part = { index: i, bytes: Buffer.alloc(1024) };
      refs.push(new WeakRef(part));
      assert.equal(await watchdog.guard(Promise.resolve(part)), part);
    }
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // The last may still sit in this function's frame; racing one promise that lives as long as
    // the upload kept all of them.
    const kept = refs.filter((r) => r.deref() !== undefined).length;
    assert.ok(kept <= 1, `${kept} of 100 settled steps are still held`);
  } finally {
    watchdog.stop();
  }
});

test('a trip rejects the step being waited for, and every later one, with too-slow', async () => {
  const socket = fakeSocket();
  const watchdog = new UploadRateWatchdog(socket, { minBytesPerSecond: 1000, windowMs: 50 });
  // The watchdog's timer does not keep a process alive (a service has its server for that).
  const alive = setInterval(() => undefined, 1000);
  try {
    const waiting = watchdog.guard(new Promise<never>(() => undefined));
    await assert.rejects(
      waiting,
      (error: Error & { code?: string }) => error.code === 'too-slow' && /below the 1000 bytes\/s/.test(error.message),
    );
    await assert.rejects(watchdog.guard(Promise.resolve('late')), { code: 'too-slow' });
  } finally {
    clearInterval(alive);
    watchdog.stop();
  }
});

test('a client at the rate is not tripped; a step that fails fails as itself', async () => {
  const socket = fakeSocket();
  const watchdog = new UploadRateWatchdog(socket, { minBytesPerSecond: 1000, windowMs: 50 });
  const feeding = setInterval(() => (socket.bytesRead += 100), 5);
  try {
    const value = await watchdog.guard(new Promise((resolve) => setTimeout(() => resolve('arrived'), 200)));
    assert.equal(value, 'arrived');
    await assert.rejects(watchdog.guard(Promise.reject(new Error('cut short'))), /cut short/);
  } finally {
    clearInterval(feeding);
    watchdog.stop();
  }
});
