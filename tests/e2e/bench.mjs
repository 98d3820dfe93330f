// The playground's numbers, measured in Debian's Chromium (not a test: run it by hand with
// `node tests/e2e/bench.mjs`, it prints a JSON report).
//
//   first render   navigation start to the ensemble drawn (the default story, and the big one)
//   frames         requestAnimationFrame deltas while playing the 5-server, 200-client, 10-minute
//                  scenario at 100x: p50, p95, max, and how many went over 50 ms
//   seek           scrubber input to the new time on screen, at spread-out times of the same
//                  scenario, once the idle precompute has left its checkpoints (and one cold seek
//                  before it has)
//
// It builds the scenario here, packs it into a link (raw DEFLATE + base64url, the link format),
// and uses the e2e harness: trunk serve --release on a free loopback port, stopped by PID.

import zlib from 'node:zlib';
import { freePort, launchBrowser, startTrunkServe } from './harness.mjs';

const CLIENTS = 200;
const SERVERS = 5;
const UNTIL_MS = 10 * 60 * 1000;
const PLAY_WALL_MS = 5000;
const SPEED = '100';

function bigScenario() {
  const servers = Array.from({ length: SERVERS }, (_, i) => ({ id: i + 1 }));
  const clients = [];
  const actions = [];
  for (let i = 0; i < CLIENTS; i++) {
    const name = `c-${String(i).padStart(3, '0')}`;
    clients.push({ name, servers: [1, 2, 3, 4, 5], session_timeout_ms: 6000 + (i % 5) * 6000 });
    actions.push({ at_ms: 500 + i * 40, do: 'connect', client: name });
  }
  for (let i = 0; i < CLIENTS; i++) {
    actions.push({ at_ms: 20_000 + i * 100, do: 'create', client: clients[i].name, path: `/${clients[i].name}`, data: 'up', ephemeral: true });
  }
  // Some churn: a crash and restart of a follower, and a few clients killed.
  actions.push({ at_ms: 120_000, do: 'crash_server', server: 2 });
  actions.push({ at_ms: 180_000, do: 'start_server', server: 2 });
  for (let i = 0; i < 10; i++) actions.push({ at_ms: 240_000 + i * 1000, do: 'kill', client: clients[i * 7].name });
  actions.sort((a, b) => a.at_ms - b.at_ms);
  return { format: 1, name: `${SERVERS} servers, ${CLIENTS} clients, 10 minutes`, version: '3.6', servers, clients, actions, until_ms: UNTIL_MS };
}

function link(scenario) {
  const payload = zlib.deflateRawSync(Buffer.from(JSON.stringify(scenario)), { level: 9 }).toString('base64url');
  return `#s=1.${payload}`;
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const r = (v) => Math.round(v * 10) / 10;
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), max: r(s[s.length - 1]), over_50ms: s.filter((v) => v > 50).length };
}

async function firstRender(page, url) {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator('.ensemble-svg').waitFor({ timeout: 60_000 });
  return page.evaluate(() => performance.now());
}

async function seek(page, t) {
  return page.evaluate(async (t) => {
    const el = document.querySelector('.scrubber');
    const want = `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')} s`;
    const t0 = performance.now();
    el.value = String(t);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((resolve) => {
      const check = () => document.querySelector('.clock .now').textContent === want;
      if (check()) return resolve();
      const obs = new MutationObserver(() => {
        if (check()) {
          obs.disconnect();
          resolve();
        }
      });
      obs.observe(document.querySelector('.clock'), { subtree: true, characterData: true, childList: true });
    });
    return performance.now() - t0;
  }, t);
}

const server = await startTrunkServe(await freePort());
const browser = await launchBrowser();
const report = {};
try {
  const { page } = browser;
  await page.setViewportSize({ width: 1366, height: 860 });
  const big = link(bigScenario());

  const renders = [];
  for (let i = 0; i < 5; i++) renders.push(await firstRender(page, server.url));
  report.first_render_default_story_ms = stats(renders);
  const bigRenders = [];
  for (let i = 0; i < 3; i++) bigRenders.push(await firstRender(page, server.url + big));
  report.first_render_200_clients_ms = stats(bigRenders);

  // A cold seek: straight to 9 minutes before any precompute could finish.
  await firstRender(page, server.url + big);
  report.seek_cold_to_9min_ms = Math.round(await seek(page, 540_000));

  // Let the idle precompute finish (timed from a fresh load), then seek around.
  const loadedAt = await firstRender(page, server.url + big);
  const doneAt = await page.waitForFunction(
    () => document.querySelector('.scrubber').getAttribute('style').includes('100.0%') && performance.now(),
    null,
    { timeout: 300_000, polling: 50 },
  );
  report.precompute_10min_200_clients_ms = Math.round((await doneAt.jsonValue()) - loadedAt);
  const seeks = [];
  for (const t of [1_000, 599_000, 300_000, 60_000, 450_000, 123_457, 540_000, 5_000, 333_333, 599_999]) {
    seeks.push(await seek(page, t));
  }
  report.seek_warm_ms = stats(seeks);

  // Frames while playing at 100x from 30 s (every client connected and pinging).
  await seek(page, 30_000);
  if (process.env.TAB) await page.locator(`#tab-${process.env.TAB}`).click();
  // Diagnosis: BENCH_HIDE=".ensemble-svg" leaves a part of the page out of the picture.
  if (process.env.BENCH_HIDE) await page.addStyleTag({ content: `${process.env.BENCH_HIDE} { display: none !important; }` });
  await page.getByLabel('Speed').selectOption(SPEED);
  await page.getByRole('button', { name: 'Play' }).click();
  const frames = await page.evaluate(async (ms) => {
    // Long animation frames (over 50 ms), with where their time went.
    window.__loaf = [];
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          const script = e.scripts.reduce((a, s) => a + s.duration, 0);
          const layout = e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0;
          for (const sc of e.scripts) (window.__inv ??= []).push(`${sc.invoker}|${Math.round(sc.duration)}|${Math.round(sc.forcedStyleAndLayoutDuration)}`);
          window.__loaf.push({ duration: e.duration, blocking: e.blockingDuration, script, render_and_paint: e.renderStart ? e.startTime + e.duration - e.renderStart : 0, style_layout_paint: layout });
        }
      }).observe({ type: 'long-animation-frame', buffered: false });
    } catch {
      // No LoAF in this browser.
    }
    const deltas = [];
    let last = performance.now();
    const end = last + ms;
    await new Promise((resolve) => {
      const loop = (t) => {
        deltas.push(t - last);
        last = t;
        if (t < end) requestAnimationFrame(loop);
        else resolve();
      };
      requestAnimationFrame(loop);
    });
    return deltas.slice(1);
  }, PLAY_WALL_MS);
  const clock = await page.locator('.clock .now').textContent();
  // At 100x, 5 s of play is 500 virtual s: it may have reached the end and stopped itself.
  if (await page.getByRole('button', { name: 'Pause' }).count()) await page.getByRole('button', { name: 'Pause' }).click();
  report.frames_at_100x_ms = stats(frames);
  const loaf = await page.evaluate(() => window.__loaf);
  if (process.env.BENCH_DEBUG) console.error(await page.evaluate(() => window.__inv));
  if (loaf.length) {
    const mean = (k) => Math.round(loaf.reduce((a, e) => a + e[k], 0) / loaf.length);
    report.long_frames = { n: loaf.length, mean_ms: mean('duration'), mean_script_ms: mean('script'), mean_render_ms: mean('render_and_paint') };
  }
  report.virtual_time_after_play = clock;
  report.errors = browser.errors;
} finally {
  console.log(JSON.stringify(report, null, 2));
  await browser.close();
  await server.stop();
}
