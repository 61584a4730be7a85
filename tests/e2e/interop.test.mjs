// Interop with the reference JavaScript stack (@automerge/automerge-repo 2.5.x): JS clients
// through Tandem's relay, a JS edit reaching a Tandem browser, and Tandem browsers syncing
// through the reference server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repo } from '@automerge/automerge-repo';
import { WebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';
import * as Automerge from '@automerge/automerge';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, ROOT,
  registerDevice, inviteLink,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** A stock JS client holding a device credential (in the URL, its only way to carry one). */
function jsClient(device, name, { connect = true } = {}) {
  const adapter = new WebSocketClientAdapter(device.syncUrl);
  const repo = new Repo({ network: connect ? [adapter] : [], peerId: device.peerId(name) });
  return { repo, connect: () => repo.networkSubsystem.addNetworkAdapter(adapter) };
}

/** Finds a document, retrying while the server does not have it yet. */
async function find(repo, url, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await repo.find(url);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function startReferenceServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-reference-'));
  const child = spawn(process.execPath, [join(ROOT, 'tests/e2e/reference-server.mjs'), dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`reference server did not start:\n${log}`)), 15000);
    child.stdout.on('data', (d) => {
      const m = String(d).match(/listening on (\d+)/);
      if (m) { clearTimeout(timer); resolvePort(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`reference server exited (${code}):\n${log}`)); });
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

test('a JS client with a credential creates a document through the relay and a later JS client with a link finds it', async () => {
  const relay = await startRelay();
  const owner = await registerDevice(relay.url);
  const guest = await registerDevice(relay.url);
  const client = jsClient(owner, 'node', { connect: false });
  const first = client.repo;
  let second;
  try {
    const handle = first.create({ title: 'Partnership notes', markets: ['RU', 'US'] });
    handle.change((d) => { d.count = 3; });
    // Register the document before it is first sent, then connect.
    await owner.api('POST', `/api/docs/${handle.documentId}`);
    client.connect();
    await first.networkSubsystem.whenReady();
    const { secret } = await owner.api('POST', `/api/docs/${handle.documentId}/links`, { role: 'viewer' });
    await guest.api('POST', '/api/redeem', { secret });
    second = jsClient(guest, 'node').repo;
    const found = await find(second, handle.url);
    const doc = await eventually(async () => found.doc(), (d) => d?.count === 3, { what: 'the JS doc synced' });
    assert.equal(doc.title, 'Partnership notes');
    assert.deepEqual([...doc.markets], ['RU', 'US']);
  } finally {
    first.shutdown();
    second?.shutdown();
    await relay.stop();
  }
});

test('an edit made by a JS client reaches a Tandem browser live', async () => {
  const relay = await startRelay();
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  let js;
  try {
    const id = await createPartnership(page, relay.url, 'Northwind', 'Маша');
    await page.getByTestId('goal').fill('Written in Tandem');
    const link = await inviteLink(page, relay.url, id, 'editor', 'a Node script');
    const device = await registerDevice(relay.url);
    await device.api('POST', '/api/redeem', { secret: link.split('#')[1] });
    js = jsClient(device, 'node').repo;
    const handle = await find(js, `automerge:${id}`);
    await eventually(async () => handle.doc()?.goal, (g) => g === 'Written in Tandem', { what: 'JS sees the goal' });
    handle.change((d) => { Automerge.splice(d, ['goal'], 0, 0, 'JS says: '); });
    await eventually(() => page.getByTestId('goal').inputValue(), (g) => g === 'JS says: Written in Tandem',
      { timeout: 5000, what: 'the browser shows the JS edit' });
    assert.deepEqual(errors, []);
  } finally {
    js?.shutdown();
    await context.close();
    await relay.stop();
  }
});

/**
 * Points a page at another sync server the way a person does (issue #16: never by a
 * link): the sync-server settings, the partnerships to share (held here, or ids to ask it
 * for), the confirmation. The page reloads on it.
 */
async function useOtherServer(page, appUrl, serverUrl, { pick = [], ask = [] } = {}) {
  await page.goto(`${appUrl}/sync-server`);
  await page.getByTestId('other-relay-url').fill(serverUrl);
  for (const id of pick) await page.locator(`[data-testid="offer-partnership"][data-id="${id}"]`).check();
  if (ask.length) await page.getByTestId('other-relay-extra').fill(ask.join(' '));
  await page.getByTestId('review-other-relay').click();
  await page.getByTestId('use-other-relay').click();
  await page.waitForURL(`${appUrl}/`);
  await page.getByTestId('connection').waitFor();
}

test('Tandem browsers sync a partnership through the reference JS server', async () => {
  const reference = await startReferenceServer();
  // Serves the app; the operator allows the reference server, and sync goes there.
  const app = await startRelay({ args: ['--allow-relay', reference.url] });
  const brandContext = await browser.newContext();
  const creatorContext = await browser.newContext();
  try {
    const brand = await brandContext.newPage();
    const brandErrors = watchErrors(brand);
    const id = await createPartnership(brand, app.url, 'Northwind', 'Маша');
    await useOtherServer(brand, app.url, reference.url, { pick: [id] });
    assert.equal(await brand.getByTestId('connection').getAttribute('title'), reference.url);
    await brand.goto(`${app.url}/p/${id}#tab-roadmap`);
    await brand.getByTestId('theme-2027-Q1').fill('Synced by the reference server');
    await eventually(() => brand.getByTestId('sync-state').innerText(), (t) => t.startsWith('All changes are on the relay'),
      { timeout: 10000, what: 'the reference server acknowledged' });

    const creator = await creatorContext.newPage();
    await useOtherServer(creator, app.url, reference.url, { ask: [id] });
    await creator.goto(`${app.url}/p/${id}#tab-roadmap`);
    await creator.getByTestId('partnership-title').waitFor({ timeout: 10000 });
    await eventually(() => creator.getByTestId('theme-2027-Q1').inputValue(), (t) => t === 'Synced by the reference server',
      { timeout: 10000, what: 'the creator has the brand edit' });
    await creator.getByTestId('goal').fill('And back again');
    await eventually(() => brand.getByTestId('goal').inputValue(), (g) => g === 'And back again',
      { timeout: 5000, what: 'the brand sees the creator edit' });
    assert.deepEqual(brandErrors, []);
  } finally {
    await brandContext.close();
    await creatorContext.close();
    await app.stop();
    await reference.stop();
  }
});
