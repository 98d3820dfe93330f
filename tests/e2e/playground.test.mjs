// The playground as a person meets it: served by trunk (release build), in Debian's Chromium.
// Journeys: open a gallery story, play, step, rewind, share and reopen with the same trace hash,
// a bad link, back and forward, and the 3.4.5 story reaching SessionMoved. Screenshots land in
// tests/e2e/screenshots/ (git-ignored); on a failure, a screenshot of that moment and trunk's
// log land in tests/e2e/artifacts/.

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
    await browser.page.setViewportSize({ width: 1366, height: 860 });
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

const now = (page) => page.locator('.clock .now').textContent();
const traceHash = (page) => page.locator('.trace-hash').textContent();
const storySelect = (page) => page.getByLabel('Gallery story');

/** Loads the page afresh (not a same-document fragment change) at this fragment. */
async function open(page, fragment) {
  await page.goto('about:blank');
  await page.goto(`${server.url}${fragment}`, { waitUntil: 'load' });
  await page.locator('.ensemble-svg').waitFor();
}

pageTest('the page opens the 3.4.5 collision story and draws the ensemble', async (page) => {
  await open(page, '');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'zksim');
  assert.equal(await page.title(), 'zksim: a ZooKeeper session playground');
  assert.equal(await storySelect(page).inputValue(), 'collision-3.4.5');
  assert.equal(await page.locator('.ensemble-svg .server').count(), 5);
  assert.equal(await page.locator('.ensemble-svg .client').count(), 2);
  assert.equal(await now(page), '0.000 s');
  for (const name of ['Play', 'Step one event', 'Next interesting event', 'Speed', 'Time', 'Gallery story', 'Version profile']) {
    assert.ok(await page.getByLabel(name, { exact: true }).count() > 0, `no control named ${name}`);
  }
});

pageTest('open a gallery story, play it, pause, step', async (page) => {
  await storySelect(page).selectOption('session-life');
  assert.match(page.url(), /#story=session-life$/);
  await page.getByLabel('Speed').selectOption('25');
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => document.querySelector('.clock .now').textContent !== '0.000 s');
  await page.waitForTimeout(400);
  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await now(page);
  assert.notEqual(paused, '0.000 s');
  await page.waitForTimeout(200);
  assert.equal(await now(page), paused, 'time moved while paused');
  await page.getByRole('button', { name: 'Step one event' }).click();
  await page.getByRole('button', { name: 'Next interesting event' }).click();
  await screenshot(page, 'playground-session-life');
});

pageTest('the scrubber and Home rewind', async (page) => {
  await page.getByLabel('Time', { exact: true }).fill('2000');
  await page.waitForFunction(() => document.querySelector('.clock .now').textContent === '2.000 s');
  const at2 = await traceHash(page);
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.querySelector('.clock .now').textContent === '20.000 s');
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('.clock .now').textContent === '0.000 s');
  await page.getByLabel('Time', { exact: true }).fill('2000');
  await page.waitForFunction(() => document.querySelector('.clock .now').textContent === '2.000 s');
  assert.equal(await traceHash(page), at2, 'the same moment has the same hash after a rewind');
});

pageTest('share a built scenario and reopen it with the same trace hash', async (page) => {
  await open(page, '#story=session-life');
  await page.getByLabel('Time', { exact: true }).fill('3000');
  await page.waitForFunction(() => document.querySelector('.clock .now').textContent === '3.000 s');
  // Build something by hand: crash a server now.
  await page.locator('#act').selectOption('crash_server');
  await page.locator('#act-server').selectOption({ index: 0 });
  await page.getByRole('button', { name: 'Do it now' }).click();
  await page.getByLabel('Time', { exact: true }).fill('7000');
  await page.waitForFunction(() => document.querySelector('.clock .now').textContent === '7.000 s');
  const hash = await traceHash(page);
  await page.getByRole('button', { name: /^Share/ }).click();
  const link = await page.locator('#share-url').inputValue();
  assert.match(link, /#s=1\.[A-Za-z0-9_-]+&t=7000$/);
  assert.equal(page.url(), link);

  await page.goto('about:blank');
  await open(page, link.slice(link.indexOf('#')));
  assert.equal(await now(page), '7.000 s');
  assert.equal(await traceHash(page), hash);
  assert.match(await storySelect(page).inputValue(), /^$/);
  await screenshot(page, 'playground-reopened-link');
});

pageTest('a bad link gets a banner and leaves what was open untouched', async (page) => {
  const before = { t: await now(page), hash: await traceHash(page) };
  await page.evaluate(() => {
    window.location.hash = 's=1.this-is-not-a-scenario!';
  });
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /could not be opened \(link: .*\)\. What was open is unchanged\./);
  assert.equal(await now(page), before.t);
  assert.equal(await traceHash(page), before.hash);
  await screenshot(page, 'playground-bad-link');
  await page.getByRole('button', { name: 'Dismiss' }).click();

  // Opened fresh, a bad link still shows a story, with the banner.
  await open(page, '#s=2.abc');
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /newer zksim/);
  assert.equal(await page.locator('.ensemble-svg .server').count(), 5);
});

pageTest('back and forward reopen earlier states', async (page) => {
  await open(page, '#story=zookeeper-710');
  await storySelect(page).selectOption('leader-failover');
  await page.waitForFunction(() => location.hash === '#story=leader-failover');
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('.story-select').value === 'zookeeper-710');
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('.story-select').value === 'leader-failover');
});

pageTest('the 3.4.5 story reaches SessionMoved by next-interesting steps', async (page) => {
  await open(page, '#story=collision-3.4.5');
  let found = false;
  for (let i = 0; i < 120 && !found; i++) {
    await page.keyboard.press('Shift+ArrowRight');
    found = /SessionMoved/.test(await page.locator('.details').textContent());
  }
  assert.ok(found, `no SessionMoved; stopped at ${await now(page)}`);
  await page.locator('#tab-sessions').click();
  assert.match(await page.locator('.sessions').textContent(), /collision/);
  await screenshot(page, 'playground-3.4.5-session-moved');
  await page.locator('#tab-sequence').click();
  assert.ok((await page.locator('.seq-msg').count()) > 0);
  await page.locator('.seq-msg').last().click();
  await screenshot(page, 'playground-sequence');
  await page.locator('#tab-buckets').click();
  await screenshot(page, 'playground-buckets');
});

pageTest('keys: space plays and pauses, ? shows help; dark theme', async (page) => {
  await open(page, '#story=reconnect-after-expiry');
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.querySelector('.app').dataset.playing === 'true');
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.querySelector('.app').dataset.playing === 'false');
  await page.keyboard.press('?');
  await page.getByRole('dialog').waitFor();
  await screenshot(page, 'playground-help');
  await page.keyboard.press('Escape');
  assert.equal(await page.getByRole('dialog').count(), 0);
  await page.getByRole('button', { name: /^Theme/ }).click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await screenshot(page, 'playground-dark');
});

pageTest('nothing went wrong in the page', async () => {
  assert.deepEqual(browser.errors, []);
});
