// End-to-end harness: `trunk serve` on a free loopback port, and Debian's Chromium driven by
// playwright-core. Everything started here is stopped here, by PID, on success and on failure,
// and every wait has a limit.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** axe-core's browser build (package.json pins it; `npm ci` in setup installs it). */
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = path.join(ROOT, 'tests/e2e/screenshots');
export const ARTIFACTS = path.join(ROOT, 'tests/e2e/artifacts');

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Without the networking flags Chromium keeps trying hosts this machine cannot reach.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// A release build from a warm cache takes seconds (wasm-opt dominates); a cold one minutes.
const SERVE_READY_MS_MAX = 10 * 60 * 1000;
const SERVE_POLL_MS = 250;
const STOP_GRACE_MS = 5000;
const BROWSER_LAUNCH_MS_MAX = 60 * 1000;

/** Processes started here, by PID, so an unexpected exit still stops them. */
const started = new Set();
process.on('exit', () => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(130));
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `trunk serve --release` on `port` and waits until the page it serves references the
 * wasm bundle. Returns `{ url, stop }`; `stop()` ends trunk and its children (its process group).
 */
export async function startTrunkServe(port) {
  await fsp.mkdir(ARTIFACTS, { recursive: true });
  const logPath = path.join(ARTIFACTS, 'trunk-serve.log');
  const log = fs.openSync(logPath, 'w');
  const child = spawn(
    'trunk',
    ['serve', '--release', '--address', '127.0.0.1', '--port', String(port), '--no-autoreload'],
    // Its own process group, so stopping it also stops the cargo and wasm-opt it runs.
    { cwd: ROOT, detached: true, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  started.add(child.pid);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    started.delete(child.pid);
  });

  const stop = async () => {
    if (exited) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (!exited) process.kill(-child.pid, 'SIGKILL');
    }, STOP_GRACE_MS);
    await gone;
    clearTimeout(timer);
  };

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + SERVE_READY_MS_MAX;
  for (;;) {
    if (exited) {
      throw new Error(`trunk serve exited (${JSON.stringify(exited)}); see ${logPath}:\n${tail(logPath)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`trunk serve not ready after ${SERVE_READY_MS_MAX} ms; see ${logPath}:\n${tail(logPath)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok && (await response.text()).includes('_bg.wasm')) return { url, stop };
    } catch {
      // Not listening yet.
    }
    await sleep(SERVE_POLL_MS);
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Debian's Chromium, headless, with a fresh profile in a temporary folder. Returns
 * `{ context, page, errors, close }`: `errors` collects uncaught page errors and console errors.
 */
export async function launchBrowser() {
  const userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'zksim-e2e-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: BROWSER_LAUNCH_MS_MAX,
    viewport: { width: 1000, height: 720 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.setDefaultNavigationTimeout(30_000);
  const errors = [];
  // Uncaught exceptions (a wasm trap after a panic is one) and console.error (the panic hook's
  // message, a failed fetch): any of them fails the journey that caused it.
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('crash', () => errors.push('crash: the page crashed'));
  const close = async () => {
    await context.close().catch(() => {});
    await fsp.rm(userDataDir, { recursive: true, force: true });
  };
  return { context, page, errors, close };
}

/**
 * Fails when the page logged a console error or threw since `errors` was last emptied, and
 * empties it: every journey must leave the console clean.
 */
export function assertNoPageErrors(errors, journey) {
  const seen = errors.splice(0, errors.length);
  if (seen.length > 0) {
    throw new Error(`${journey}: the page reported ${seen.length} error(s):\n${seen.join('\n')}`);
  }
}

/** Saves a full-page screenshot to tests/e2e/screenshots/NAME.png (or artifacts/ for failures). */
export async function screenshot(page, name, { failure = false } = {}) {
  const dir = failure ? ARTIFACTS : SCREENSHOTS;
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 15_000 });
  return file;
}

/**
 * Runs axe-core on the page as it is now (injected once per document) and returns its
 * violations of `impacts`, each as `rule (impact): help; at <selectors>`.
 */
export async function axeViolations(page, impacts = ['serious', 'critical']) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ path: AXE_PATH });
  }
  const violations = await page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 4).map((n) => n.target.join(' ')),
      count: v.nodes.length,
    }));
  });
  return violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.count} at ${v.targets.join(' | ')}`);
}
