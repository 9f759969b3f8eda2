// The status page in a real browser (Debian's chromium driven by playwright-core), at a phone's
// width: a building job with its engine, a queued job with why it waits, a failed job whose
// log link works. The screenshot is kept in test-output/ for people to look at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import { repoRoot } from './builder-image.support.ts';
import { startFarmScenario } from './helpers/farm-scenario.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test('the status page shows what builds where, what waits and why, and failures with their logs; readable on a phone', async (t) => {
  const { app, failed, building, queued } = await startFarmScenario('status-page');
  t.after(() => app.close());
  await app.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-chromium-'));
  let browser: BrowserContext | undefined;
  // One hook, in this order: node runs a test's after hooks in the order they were added, and
  // Chromium writes into its profile until it has closed (removed first, the folder stayed).
  t.after(async () => {
    await browser?.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const res = await page.goto(`${url}/`);
  assert.equal(res?.status(), 200);

  const buildingRow = page.locator(`#building tr.job[data-state="building"]`, { hasText: `#${building}` });
  assert.match(await buildingRow.innerText(), new RegExp(`qemu-stubdom[\\s\\S]*status-page-${process.pid}[\\s\\S]*attempt 1`));
  const queuedRow = page.locator(`#queue tr.job[data-state="queued"]`, { hasText: `#${queued}` });
  assert.match(await queuedRow.innerText(), /zlib[\s\S]*queued[\s\S]*Every healthy engine is at capacity/);
  const failedRow = page.locator(`#recent tr.job[data-state="failed"]`, { hasText: `#${failed}` });
  assert.match(await failedRow.innerText(), /libbroken[\s\S]*failed[\s\S]*other: it does not compile/);
  assert.match(
    await page.locator('#apt pre').innerText(),
    new RegExp(`deb \\[arch=stubdom-amd64 signed-by=/usr/share/keyrings/stubdom.asc\\] ${url}/apt stubdom main`),
  );
  assert.equal(await page.locator('meta[http-equiv="refresh"]').getAttribute('content'), '15');

  // Nothing wider than the phone's screen but the tables' own scrolling boxes.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);

  const dir = path.join(repoRoot, 'test-output');
  fs.mkdirSync(dir, { recursive: true });
  const shot = path.join(dir, 'status-page.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(fs.statSync(shot).size > 10_000);

  // The failed job's log link leads to its log.
  await failedRow.getByRole('link', { name: 'log' }).click();
  await page.waitForURL(`${url}/v1/jobs/${failed}/log?attempt=1`);
  assert.match(await page.locator('body').innerText(), new RegExp(`stubbuild: job ${failed} attempt 1 for stubdom-amd64 on engine`));
});
