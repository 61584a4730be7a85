// Shared fixtures for the browser journeys: a real relay process serving the built app,
// and Debian's Chromium driven by playwright-core. Each test starts and stops its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const OUTPUT = join(ROOT, 'test-results');
mkdirSync(OUTPUT, { recursive: true });

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic',
];

/** A free TCP port on loopback (for a relay that must come back on the same port). */
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts the relay with a fresh data folder (or `dataDir`) on a free port (or `port`);
 * resolves to {url, dataDir, kill, stop}. `kill()` is SIGKILL and keeps the data;
 * `stop()` is SIGTERM and removes the data folder.
 */
export async function startRelay({ port = 0, dataDir, appDir = join(ROOT, 'dist'), args = [] } = {}) {
  dataDir ??= mkdtempSync(join(tmpdir(), 'tandem-e2e-'));
  const bin = process.env.TANDEM_RELAY_BIN ?? join(ROOT, 'target/release/tandem-relay');
  const child = spawn(bin, ['--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--app-dir', appDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${log}`)), 15000);
    child.stdout.on('data', (d) => {
      const m = String(d).match(/running at (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited (${code}):\n${log}`)); });
  });
  return {
    url,
    dataDir,
    async kill() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Launches Chromium with a fresh profile. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Collects page errors so a journey fails on an uncaught exception or a wasm panic. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

/** Polls `read` until `check(value)` holds or `timeout` ms pass; returns the last value. */
export async function eventually(read, check, { timeout = 5000, interval = 25, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let value;
  for (;;) {
    value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached within ${timeout} ms; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Creates a partnership through the UI; returns its id. It opens on its overview; the
 * journeys go on from `tab` (the roadmap unless told; `null` stays on the overview).
 */
export async function createPartnership(page, baseUrl, brand, creator, { tab = 'roadmap' } = {}) {
  await page.goto(`${baseUrl}/new`);
  await page.getByLabel('Brand').fill(brand);
  await page.getByLabel('Creator or agency').fill(creator);
  await page.getByLabel('First quarter').fill('2027-Q1');
  await page.getByTestId('create-partnership').click();
  await page.waitForURL(/\/p\//);
  await page.getByTestId('partnership-title').waitFor();
  if (tab) await page.getByTestId(`tab-${tab}`).click();
  return new URL(page.url()).pathname.split('/').pop();
}

/** The titles of a quarter's campaigns, in order. */
export async function campaignTitles(page, quarter) {
  return page.locator(`[data-testid="campaigns-${quarter}"] [data-testid="campaign-title"]`)
    .evaluateAll((inputs) => inputs.map((i) => i.value));
}

/** A quarter's add-a-campaign form, unfolded ("+ Add a campaign"). */
export async function campaignForm(page, quarter) {
  const toggle = page.getByTestId(`add-campaign-open-${quarter}`);
  if (!(await toggle.evaluate((d) => d.open))) await toggle.locator('summary').click();
  return page.getByTestId(`add-campaign-${quarter}`);
}

/** Adds a campaign through a quarter's form. */
export async function addCampaign(page, quarter, title, market) {
  const form = await campaignForm(page, quarter);
  await form.getByLabel('Title').fill(title);
  if (market) await form.getByLabel('Market').selectOption(market);
  await form.getByRole('button', { name: 'Add campaign' }).click();
}

/** A new device registered with the relay at `baseUrl` (what a stock JS client holds). */
export async function registerDevice(baseUrl) {
  const { randomBytes } = await import('node:crypto');
  const id = randomBytes(8).toString('hex');
  return deviceFrom(baseUrl, `${id}.${randomBytes(32).toString('hex')}`, { register: true });
}

async function deviceFrom(baseUrl, credential, { register = false } = {}) {
  const id = credential.split('.')[0];
  const api = async (method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  if (register) await api('POST', '/api/devices');
  return {
    id,
    credential,
    api,
    /** The sync URL with the credential in the query, for clients that take only a URL. */
    syncUrl: `${baseUrl.replace('http', 'ws')}/sync?credential=${credential}`,
    peerId: (name) => `${id}-${name}`,
  };
}

/** The device of a browser page (its credential from localStorage). */
export async function pageDevice(page, baseUrl) {
  const credential = await eventually(() => page.evaluate(() => localStorage.getItem('tandem.device')),
    (c) => !!c, { what: 'the page has a device credential' });
  return deviceFrom(baseUrl, credential);
}

/**
 * Makes an invite link as the owner on `page` (through the relay's API, as the Share
 * panel does); waits until the partnership is registered. Returns the link URL.
 */
export async function inviteLink(page, baseUrl, id, role = 'editor', label = '', side = undefined) {
  const owner = await pageDevice(page, baseUrl);
  let made;
  await eventually(async () => {
    try {
      made = await owner.api('POST', `/api/docs/${id}/links`, side ? { role, label, side } : { role, label });
      return true;
    } catch { return false; }
  }, (ok) => ok, { timeout: 10000, what: 'the owner can make a link (partnership registered)' });
  return `${baseUrl}/join#${made.secret}`;
}

/** Opens an invite link in a new browser context; waits until the partnership is there. */
export async function openLink(browser, link) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(link);
  await confirmJoin(page);
  await page.getByTestId('partnership-title').waitFor({ timeout: 15000 });
  await page.getByTestId('tab-roadmap').click();
  return { context, page, errors };
}

/** On the join page a link opens: waits for what the link gives, then clicks Join. */
export async function confirmJoin(page, { name } = {}) {
  await page.getByTestId('join-confirm').waitFor({ timeout: 15000 });
  if (name !== undefined) await page.getByTestId('join-name').fill(name);
  await page.getByTestId('join-confirm').click();
}

/** Sets how this person appears to others on a partnership page. */
export async function setName(page, name, side) {
  // In the header's presence menu.
  const menu = page.getByTestId('presence');
  if (!(await menu.evaluate((d) => d.open))) await menu.locator('summary').click();
  await page.getByTestId('my-name').fill(name);
  await page.getByTestId('my-side').selectOption(side);
  await page.getByTestId('name-form').getByRole('button', { name: 'Save' }).click();
}

/** Waits until the service worker controls the page and has cached the app (so a reload
 * with no network proves what this browser itself stored). */
export async function shellCached(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await eventually(() => page.evaluate(async () => {
    const cache = await caches.open('tandem-shell-v1');
    return (await cache.keys()).map((r) => r.url);
  }), (urls) => urls.some((u) => u.endsWith('_bg.wasm')) && urls.some((u) => u.endsWith('/')),
  { timeout: 10000, what: 'the app shell is cached' });
  await eventually(() => page.evaluate(() => !!navigator.serviceWorker.controller), (c) => c,
    { timeout: 10000, what: 'the service worker controls the page' });
}

/** Whether the page's preview store (`tandem-preview`) holds a preview of a partnership. */
export function previewStored(page, docId) {
  return page.evaluate((id) => new Promise((resolve) => {
    const open = indexedDB.open('tandem-preview');
    open.onerror = () => resolve(false);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('documents')) { db.close(); resolve(false); return; }
      const keys = db.transaction('documents').objectStore('documents').getAllKeys();
      keys.onsuccess = () => { db.close(); resolve(keys.result.some((k) => k[0] === id)); };
      keys.onerror = () => { db.close(); resolve(false); };
    };
  }), docId);
}
