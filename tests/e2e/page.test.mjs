// The playground page as a person meets it: served by trunk (release build), in Debian's
// Chromium. Screenshots land in tests/e2e/screenshots/ (git-ignored); on a failure, a screenshot
// of that moment and trunk's log land in tests/e2e/artifacts/.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, launchBrowser, screenshot, startTrunkServe } from './harness.mjs';

const TEST_MS_MAX = 60_000;
let server;
let browser;

before(
  async () => {
    server = await startTrunkServe(await freePort());
    browser = await launchBrowser();
  },
  { timeout: 11 * 60 * 1000 },
);

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A test that leaves a screenshot of the page behind when it fails. */
function pageTest(name, body) {
  test(name, { timeout: TEST_MS_MAX }, async () => {
    try {
      await body(browser.page);
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
      await screenshot(browser.page, `failed-${slug}`, { failure: true }).catch(() => {});
      throw error;
    }
  });
}

pageTest('the page loads, names itself and says what it is', async (page) => {
  await page.goto(server.url, { waitUntil: 'load' });
  const title = page.getByRole('heading', { level: 1 });
  await title.waitFor();
  assert.equal(await title.textContent(), 'zksim');
  assert.match(await page.locator('.status').textContent(), /Work in progress/);
  assert.equal(await page.title(), 'zksim: a ZooKeeper session playground');
});

pageTest('Compute shows the 3.4.5 sign-extension bug next to 3.6 (ZOOKEEPER-1622)', async (page) => {
  await page.getByLabel('myid').fill('3');
  await page.getByLabel('Clock (ms)').fill('1700000000000');
  await page.getByRole('button', { name: 'Compute' }).click();

  const v345 = page.locator('tr[data-version="3.4.5"] .session-id');
  await v345.waitFor();
  assert.equal(await v345.textContent(), '0xff8bcfe568000000');
  assert.equal(
    await page.locator('tr[data-version="3.6"] .session-id').textContent(),
    '0x38bcfe568000000',
  );
  assert.match(await page.locator('caption').textContent(), /Seed formula applied to this clock value/);
  assert.equal(await page.getByLabel('myid').inputValue(), '3');

  await screenshot(page, 'seed-widget-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'seed-widget-dark');
  await page.emulateMedia({ colorScheme: 'light' });
});

pageTest('a refused input shows a message, and Enter submits too', async (page) => {
  const myid = page.getByLabel('myid');
  await myid.fill('abc');
  await myid.press('Enter');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal(await alert.textContent(), 'myid must be a whole number from 1 to 255 (got "abc").');
  assert.equal(await page.locator('.seed-table').count(), 0);
  assert.equal(await myid.inputValue(), 'abc');
  await screenshot(page, 'seed-widget-refused');
});

pageTest('nothing went wrong in the page', async () => {
  assert.deepEqual(browser.errors, []);
});
