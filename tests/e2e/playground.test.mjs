// The playground as a person meets it: served by trunk (release build), in Debian's Chromium.
// Journeys: open a gallery story, play, step, rewind, share and reopen with the same trace hash,
// a bad link, back and forward, and the 3.4.5 story reaching SessionMoved. Screenshots land in
// tests/e2e/screenshots/ (git-ignored); on a failure, a screenshot of that moment and trunk's
// log land in tests/e2e/artifacts/.

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import http from 'node:http';
import { after, before, test } from 'node:test';
import {
  assertNoPageErrors,
  axeViolations,
  freePort,
  launchBrowser,
  screenshot,
  startTrunkServe,
} from './harness.mjs';

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

/**
 * A test that leaves a screenshot of the page behind when it fails, and fails when the page
 * logged a console error or threw while it ran.
 */
function pageTest(name, body, timeout = TEST_MS_MAX) {
  test(name, { timeout }, async () => {
    try {
      browser.errors.splice(0, browser.errors.length);
      await body(browser.page);
      assertNoPageErrors(browser.errors, name);
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
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('.clock .now').textContent !== '0.000 s');
  await page.waitForTimeout(400);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const paused = await now(page);
  assert.notEqual(paused, '0.000 s');
  await page.waitForTimeout(200);
  assert.equal(await now(page), paused, 'time moved while paused');
  await page.getByRole('button', { name: 'Step one event', exact: true }).click();
  await page.getByRole('button', { name: 'Next interesting event', exact: true }).click();
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
  await page.getByRole('button', { name: 'Do it now', exact: true }).click();
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
  assert.match(await alert.textContent(), /could not be opened: it is damaged: .*\. What was open is unchanged\./);
  assert.equal(await now(page), before.t);
  assert.equal(await traceHash(page), before.hash);
  await screenshot(page, 'playground-bad-link');
  await page.getByRole('button', { name: 'Dismiss', exact: true }).click();

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


const VERSIONS = ['3.4.5', '3.4.6', '3.4.14', '3.5.10', '3.6', '3.9.3', '3.9.4'];
const clockIs = (page, text) =>
  page.waitForFunction((t) => document.querySelector('.clock .now').textContent === t, text);
const scrubTo = async (page, ms) => {
  await page.getByLabel('Time', { exact: true }).fill(String(ms));
  await clockIs(page, `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')} s`);
};
/** What the history views show now: the log, the sequence diagram, the latest moves. */
async function historyViews(page) {
  await page.locator('#tab-log').click();
  const log = await page.locator('.log-lines').textContent();
  await page.locator('#tab-sequence').click();
  const sequence = await page.locator('.sequence').textContent();
  await page.locator('#tab-buckets').click();
  const moves = await page.locator('.moves, .two-col .hint').first().textContent();
  const narration = await page.locator('.narration').textContent();
  return { log, sequence, moves, narration };
}

pageTest('every #empty=<version> opens an empty ensemble of that version', async (page) => {
  for (const v of VERSIONS) {
    await open(page, `#empty=${v}`);
    assert.equal(await page.locator('.ensemble-svg .server').count(), 3, v);
    assert.match(await page.locator('.narration').textContent(), new RegExp(`An empty ensemble \\(${v.replace(/\./g, '\\.')}\\)`));
    assert.equal(await page.getByRole('alert').count(), 0, v);
    // The servers start at 0, the first stops are there; a few more and time moves.
    for (let i = 0; i < 30 && (await now(page)) === '0.000 s'; i++) {
      await page.getByRole('button', { name: 'Next interesting event', exact: true }).click();
    }
    assert.notEqual(await now(page), '0.000 s', `${v}: Next did not move`);
  }
});

pageTest('the Start empty button opens every version', async (page) => {
  await open(page, '#story=session-life');
  for (const v of VERSIONS) {
    await page.getByLabel('Version profile').selectOption(v);
    await page.getByRole('button', { name: 'Start empty', exact: true }).click();
    await page.waitForFunction((v) => location.hash === `#empty=${v}`, v);
    await page.waitForFunction(
      (v) => document.querySelector('.narration').textContent.includes(`An empty ensemble (${v})`),
      v,
    );
    assert.equal(await page.locator('.ensemble-svg .server').count(), 3, v);
  }
  await screenshot(page, 'playground-empty');
});

pageTest('every kind of seek keeps the history (log, sequence, moves, narration)', async (page) => {
  await open(page, '#story=session-life');
  await scrubTo(page, 10_000);
  const scrubbed = await historyViews(page);
  assert.match(scrubbed.sequence, /The last [1-9]\d* messages up to 10\.000 s/);
  assert.doesNotMatch(scrubbed.moves, /none yet/);

  // End, then Shift+←: 20 s - 10 s.
  await open(page, '#story=session-life');
  await page.keyboard.press('End');
  await clockIs(page, '20.000 s');
  const atEnd = await historyViews(page);
  assert.match(atEnd.sequence, /The last [1-9]\d* messages up to 20\.000 s/);
  await page.keyboard.press('Shift+ArrowLeft');
  await clockIs(page, '10.000 s');
  assert.deepEqual(await historyViews(page), scrubbed, 'End then Shift+←');

  // ← ten times from 20 s.
  await open(page, '#story=session-life');
  await scrubTo(page, 20_000);
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
  await clockIs(page, '10.000 s');
  assert.deepEqual(await historyViews(page), scrubbed, '←');

  // Played there (Next ★ steps, then the scrubber the rest of the way).
  await open(page, '#story=session-life');
  for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowRight');
  await scrubTo(page, 10_000);
  assert.deepEqual(await historyViews(page), scrubbed, 'stepped then scrubbed');

  // A click on a message in the sequence goes back to when it was sent.
  await page.locator('#tab-sequence').click();
  await page.locator('.seq-msg').nth(3).click();
  const t = await now(page);
  const clicked = await historyViews(page);
  assert.doesNotMatch(clicked.sequence, /The last 0 messages/);
  await open(page, '#story=session-life');
  const ms = Math.round(parseFloat(t) * 1000);
  await scrubTo(page, ms);
  assert.deepEqual(await historyViews(page), clicked, 'message click');
});

pageTest('the picker shows titles by theme, and the story its description', async (page) => {
  await open(page, '#story=collision-3.4.5');
  assert.ok((await page.locator('.story-select optgroup').count()) >= 4);
  const selected = await page.locator('.story-select option:checked').textContent();
  assert.equal(selected, '3.4.5: two servers mint the same session ID');
  const labels = await page.locator('.story-select option').allTextContents();
  for (const l of labels) assert.doesNotMatch(l, /^[a-z0-9.-]+$/, `a slug in the picker: ${l}`);
  const about = page.locator('.about-story');
  assert.notEqual(await about.getAttribute('open'), null, 'the description is not open at 0');
  const text = await about.textContent();
  assert.match(text, /ZOOKEEPER-1622/);
  assert.doesNotMatch(text, /`/);
  await screenshot(page, 'playground-description');
});

pageTest('Next ★ stops at the story beats: the kill at 9.1 s', async (page) => {
  await open(page, '#story=session-life');
  const stops = [];
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Shift+ArrowRight');
    const t = await now(page);
    if (stops[stops.length - 1] === t) break;
    stops.push(t);
  }
  assert.ok(stops.includes('9.100 s'), stops.join(', '));
  assert.ok(stops.includes('2.500 s'), stops.join(', '));
  assert.equal(stops[stops.length - 1], '20.000 s');
});

pageTest('an act at the end extends the timeline, a fork says so and can be undone', async (page) => {
  await open(page, '#story=session-life');
  await page.keyboard.press('End');
  await clockIs(page, '20.000 s');
  await page.locator('#act').selectOption('crash_server');
  await page.getByRole('button', { name: 'Do it now', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'now ends at 30.000 s' }).waitFor();
  assert.match(await page.locator('.clock').textContent(), /\/ 30\.000 s/);
  assert.match(await page.locator('.fork-note').textContent(), /your changes to “A session's life/);
  await scrubTo(page, 25_000);
  await storySelect(page).selectOption('zookeeper-710');
  await page.getByText('were set aside').waitFor();
  await screenshot(page, 'playground-set-aside');
  await page.getByRole('button', { name: /^Undo/ }).click();
  await page.waitForFunction(() => document.querySelector('.story-select').value === 'session-life');
  assert.equal(await now(page), '25.000 s');
  assert.match(await page.locator('.fork-note').textContent(), /1 act/);
});

pageTest('each row of a colliding 3.4.5 session shows its own minting server', async (page) => {
  await open(page, '#story=collision-3.4.5');
  await scrubTo(page, 1_500);
  await page.locator('#tab-sessions').click();
  const rows = page.locator('.session-row');
  assert.equal(await rows.count(), 2);
  const seen = [];
  for (let i = 0; i < 2; i++) {
    const cell = await rows.nth(i).locator('td').nth(1).textContent();
    await rows.nth(i).click();
    assert.match(await page.locator('.details').textContent(), new RegExp(`minted by${cell}`), `row ${i}`);
    seen.push(cell);
  }
  assert.notEqual(seen[0], seen[1]);
});

pageTest('no Rust debug text reaches the page', async (page) => {
  await open(page, '#story=collision-3.4.5');
  const debug = /\{ |Some\(|None\b|Client\(\d|Server\(\d|MessageSent/;
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Shift+ArrowRight');
    assert.doesNotMatch(await page.locator('.details').textContent(), debug);
  }
  await page.locator('#tab-log').click();
  await page.locator('.log-line').nth(5).click();
  assert.doesNotMatch(await page.locator('.details').textContent(), debug);
  // An act the core refuses: a partition with a server that does not exist.
  await page.locator('#act').selectOption('partition');
  await page.locator('#act-a').fill('s9');
  await page.getByRole('button', { name: 'Do it now', exact: true }).click();
  const alert = await page.getByRole('alert').textContent();
  assert.match(alert, /no server s9/);
  assert.doesNotMatch(alert, debug);
  await page.getByRole('button', { name: 'Dismiss', exact: true }).click();
  assert.doesNotMatch(await page.locator('body').innerText(), debug);
});

for (const theme of ['light', 'dark']) {
  pageTest(`no horizontal overflow at 390 px and at 1440 px (${theme})`, async (page) => {
    await page.emulateMedia({ colorScheme: theme });
    try {
      for (const width of [390, 1440]) {
        await page.setViewportSize({ width, height: 860 });
        for (const fragment of ['#story=collision-3.4.5', '#story=connection-loss-vs-expiry', '#empty=3.4.14']) {
          await open(page, fragment);
          await page.keyboard.press('Shift+ArrowRight');
          for (const tab of ['sessions', 'buckets', 'sequence', 'data', 'log', 'about']) {
            await page.locator(`#tab-${tab}`).click();
            const wide = await page.evaluate(() => document.documentElement.scrollWidth);
            assert.ok(wide <= width, `${fragment} ${tab} at ${width} px: the page is ${wide} px wide`);
          }
        }
        await open(page, '#story=collision-3.4.5');
        await scrubTo(page, 2_100);
        await screenshot(page, `playground-${width}-${theme}`);
      }
    } finally {
      await page.emulateMedia({ colorScheme: null });
      await page.setViewportSize({ width: 1366, height: 860 });
    }
  });
}

/** Presses Tab until the focused element matches `selector` (at most `max` times). */
async function tabTo(page, selector, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return true;
  }
  return false;
}

pageTest('the sequence hides quorum traffic until asked, and draws rows to scale', async (page) => {
  await open(page, '#story=collision-3.4.5');
  await scrubTo(page, 2_100);
  await page.locator('#tab-sequence').click();
  const hidden = await page.locator('.sequence-svg').textContent();
  assert.doesNotMatch(hidden, /PROPOSAL/);
  assert.match(hidden, /multi → SessionMoved -118/);
  assert.match(await page.locator('.sequence .explain').textContent(), /Quorum traffic between servers is hidden/);
  await page.getByLabel(/show quorum traffic/).check();
  assert.match(await page.locator('.sequence-svg').textContent(), /PROPOSAL multi/);
  // The keyboard: Space on a focused checkbox is the checkbox's, not play's.
  await page.getByLabel(/to scale/).focus();
  await page.keyboard.press(' ');
  assert.ok(await page.getByLabel(/to scale/).isChecked());
  assert.equal(await page.locator('.app').getAttribute('data-playing'), 'false');
  await page.locator('.sequence-svg.to-scale').waitFor();
  await screenshot(page, 'playground-sequence-to-scale');
  // Tab reaches a message; Enter jumps to when it was sent.
  assert.ok(await tabTo(page, '.seq-msg'), 'Tab never reached a message');
  await page.keyboard.press('Enter');
  assert.notEqual(await now(page), '2.100 s');
});

pageTest('the story so far jumps back to a beat; at 0 a story links its siblings', async (page) => {
  await open(page, '#story=ephemeral-trap');
  await page.locator('.siblings a').first().click();
  await page.waitForFunction(() => location.hash === '#story=ephemeral-trap-fix');
  await page.waitForFunction(() => document.querySelector('.story-select').value === 'ephemeral-trap-fix');

  await open(page, '#story=session-life');
  await scrubTo(page, 12_000);
  const beats = page.locator('.beats .beat-jump');
  assert.ok((await beats.count()) >= 2, 'fewer than two beats by 12 s');
  const first = await beats.first().locator('.at').textContent();
  await beats.first().click();
  await clockIs(page, first);
  await scrubTo(page, 12_000);
  const second = await beats.nth(1).locator('.at').textContent();
  await beats.nth(1).focus();
  await page.keyboard.press('Enter');
  await clockIs(page, second);
  await screenshot(page, 'playground-story-so-far');
});

pageTest('the bug report has the version, a link to now, the trace hash and session lines', async (page) => {
  await open(page, '#story=collision-3.4.5');
  await scrubTo(page, 5_000);
  const hash = await traceHash(page);
  await page.getByRole('button', { name: /^Bug report/ }).click();
  const text = await page.locator('#report-text').inputValue();
  assert.match(text, /^Version: ZooKeeper 3\.4\.5/m);
  assert.ok(text.includes(`Trace hash: ${hash}`), text);
  assert.match(text, /Established session/);
  const link = text.match(/^Link: (\S+)$/m)[1];
  assert.match(link, /#s=1\.[A-Za-z0-9_-]+&t=5000$/);
  await screenshot(page, 'playground-bug-report');
  await open(page, link.slice(link.indexOf('#')));
  assert.equal(await now(page), '5.000 s');
  assert.equal(await traceHash(page), hash);
});

pageTest('the embed view shows the ensemble, time and the story; Share offers the iframe', async (page) => {
  await open(page, '#story=session-life');
  await scrubTo(page, 4_000);
  const hash = await traceHash(page);
  await page.getByRole('button', { name: /^Share/ }).click();
  const snippet = await page.locator('#share-embed').inputValue();
  const src = snippet.match(/src="([^"]+)"/)[1].replace(/&amp;/g, '&');
  assert.match(src, /#s=1\.[A-Za-z0-9_-]+&t=4000&embed=1$/);
  let hostServer;
  await page.setViewportSize({ width: 820, height: 720 });
  try {
    await open(page, src.slice(src.indexOf('#')));
    assert.equal(await now(page), '4.000 s');
    assert.equal(await traceHash(page), hash);
    for (const gone of ['.topbar', '.tabs', '.palette', '.details']) {
      assert.equal(await page.locator(gone).count(), 0, `${gone} in the embed view`);
    }
    await page.getByRole('button', { name: 'Step one event', exact: true }).click();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('.clock .now').textContent !== '4.000 s');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await screenshot(page, 'playground-embed');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 820, `the embed view is ${wide} px wide`);
    // In a real iframe, on a host page served from another loopback port (another origin), as a
    // blog would embed it. Not about:blank or a page playwright makes up: Chromium's local network
    // access checks refuse a loopback frame in a page that has no address of its own.
    // Eager here: a lazy frame in a host page may wait for a scroll that never comes.
    const eager = snippet.replace(' loading="lazy"', '');
    const hostPage = `<!doctype html><html lang="en"><title>host</title><body>${eager}</body></html>`;
    hostServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(hostPage);
    });
    await new Promise((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
    await page.goto(`http://127.0.0.1:${hostServer.address().port}/`);
    const frame = page.frameLocator('iframe');
    await frame.locator('.ensemble-svg').waitFor();
    assert.equal(await frame.locator('.trace-hash').textContent(), hash);
  } finally {
    await page.setViewportSize({ width: 1366, height: 860 });
    if (hostServer) {
      // The frame's keep-alive connection would hold close() open.
      hostServer.closeAllConnections();
      await new Promise((resolve) => hostServer.close(resolve));
    }
  }
});

pageTest('the keyboard reaches servers, clients, rows and log lines, with a visible focus', async (page) => {
  await open(page, '#story=collision-3.4.5');
  await scrubTo(page, 2_100);
  await page.locator('.scrubber').focus();
  assert.ok(await tabTo(page, '.ensemble-svg .server'), 'Tab never reached a server');
  assert.equal(
    await page.evaluate(() => getComputedStyle(document.activeElement.querySelector('rect')).strokeWidth),
    '3px',
    'no visible focus on a server',
  );
  await page.keyboard.press('Enter');
  assert.match(await page.locator('.details').textContent(), /epoch/);
  assert.ok(await tabTo(page, '.ensemble-svg .client'), 'Tab never reached a client');
  await page.keyboard.press('Enter');
  assert.match(await page.locator('.details').textContent(), /session/);
  await page.locator('#tab-sessions').click();
  assert.ok(await tabTo(page, '.session-row'), 'Tab never reached a session row');
  await page.keyboard.press('Enter');
  assert.match(await page.locator('.details').textContent(), /minted by/);
  await page.locator('#tab-log').click();
  assert.ok(await tabTo(page, '.log-line'), 'Tab never reached a log line');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
  await page.keyboard.press('Enter');
  assert.match(await page.locator('.details').textContent(), /why/);
});

for (const theme of ['light', 'dark']) {
  pageTest(
    `axe finds no serious or critical violation at 1440 px and 390 px (${theme})`,
    async (page) => {
      await page.emulateMedia({ colorScheme: theme });
      const found = [];
      try {
        for (const width of [1440, 390]) {
          await page.setViewportSize({ width, height: 900 });
          await open(page, '#story=collision-3.4.5');
          await scrubTo(page, 2_100);
          for (const tab of ['sessions', 'buckets', 'sequence', 'data', 'log', 'about']) {
            await page.locator(`#tab-${tab}`).click();
            for (const v of await axeViolations(page)) found.push(`${width} px, ${tab}: ${v}`);
          }
          await page.getByRole('button', { name: /^Share/ }).click();
          await page.getByRole('button', { name: /^Bug report/ }).click();
          for (const v of await axeViolations(page)) found.push(`${width} px, share and report: ${v}`);
          await page.keyboard.press('?');
          for (const v of await axeViolations(page)) found.push(`${width} px, help: ${v}`);
          await open(page, '#story=collision-3.4.5&embed=1');
          for (const v of await axeViolations(page)) found.push(`${width} px, embed: ${v}`);
        }
      } finally {
        await page.emulateMedia({ colorScheme: null });
        await page.setViewportSize({ width: 1366, height: 860 });
      }
      assert.deepEqual(found, [], found.join('\n'));
    },
    150_000,
  );
}

pageTest('the ensemble saves as an SVG and as a PNG', async (page) => {
  await open(page, '#story=collision-3.4.5');
  await scrubTo(page, 2_100);
  const [svg] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^Save as SVG/ }).click(),
  ]);
  assert.equal(svg.suggestedFilename(), 'zksim-ensemble.svg');
  const text = await fsp.readFile(await svg.path(), 'utf8');
  assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(text, />s1 <tspan/);
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^Save as PNG/ }).click(),
  ]);
  assert.equal(png.suggestedFilename(), 'zksim-ensemble.png');
  const bytes = await fsp.readFile(await png.path());
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(bytes.length > 2000, `a PNG of ${bytes.length} bytes`);
});
