// Issue #16, link safety: no link can move a person's data elsewhere or join them anywhere
// without a click. `?relay=` only opens the sync-server settings pre-filled; a server is
// used only after a confirmation, and gets only the partnerships picked for it, never a
// credential or an access change. The CSP blocks every other host. `/join#…` redeems
// nothing until the person clicks Join, and asks their name with the link's side chosen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { cbor } from '@automerge/automerge-repo';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, OUTPUT, pageDevice,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/**
 * A stand-in for someone else's automerge-repo server: it answers the handshake (so a
 * client goes on to offer its documents) and records every connection and message.
 */
async function fakeServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const seen = { connections: [], messages: [] };
  wss.on('connection', (socket, request) => {
    seen.connections.push({ protocols: request.headers['sec-websocket-protocol'] ?? '', url: request.url });
    socket.on('message', (data) => {
      let message;
      try { message = cbor.decode(new Uint8Array(data)); } catch { message = { type: 'undecodable' }; }
      seen.messages.push(message);
      if (message.type === 'join') {
        socket.send(cbor.encode({
          type: 'peer', senderId: 'fake-server', targetId: message.senderId,
          peerMetadata: {}, selectedProtocolVersion: '1',
        }));
      }
    });
  });
  const port = wss.address().port;
  return {
    url: `ws://127.0.0.1:${port}/sync`,
    origin: `ws://127.0.0.1:${port}`,
    seen,
    documents: () => [...new Set(seen.messages.map((m) => m.documentId).filter(Boolean))].sort(),
    async stop() {
      for (const client of wss.clients) client.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

/** Every access record this browser keeps for the Tandem relay. */
const accessRecords = (page) => page.evaluate(() => Object.fromEntries(
  Object.keys(localStorage).filter((k) => k.startsWith('tandem.access.')).sort().map((k) => [k, localStorage.getItem(k)]),
));

test('?relay= sends nothing until confirmed; then only the picked partnership goes, and no access record changes', async () => {
  const fake = await fakeServer();
  const relay = await startRelay({ args: ['--allow-relay', fake.origin] });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    const picked = await createPartnership(page, relay.url, 'Northwind', 'Маша');
    const other = await createPartnership(page, relay.url, 'Southwind', 'Петя');
    const recordsBefore = await eventually(() => accessRecords(page),
      (r) => Object.values(r).length === 2 && Object.values(r).every((v) => v === 'owner active'),
      { timeout: 10000, what: 'both registered with the Tandem relay' });
    const homeRelay = await page.getByTestId('connection').getAttribute('title');

    // The crafted link: it only opens the settings, pre-filled and warned about.
    await page.goto(`${relay.url}/?relay=${encodeURIComponent(fake.url)}`);
    await page.getByTestId('relay-from-link').waitFor();
    assert.equal(new URL(page.url()).pathname, '/sync-server');
    assert.equal(await page.getByTestId('other-relay-url').inputValue(), fake.url);
    assert.equal(await page.getByTestId('connection').getAttribute('title'), homeRelay, 'still on the Tandem relay');
    await page.waitForTimeout(1500);
    assert.equal(fake.seen.connections.length, 0, 'no connection before the confirmation');
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(OUTPUT, `sync-server-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // Leaving without confirming: a reload without the parameter is on the Tandem relay.
    await page.goto(relay.url);
    await page.getByTestId('connection').waitFor();
    assert.equal(await page.getByTestId('connection').getAttribute('title'), homeRelay);
    await page.waitForTimeout(1000);
    assert.equal(fake.seen.connections.length, 0, 'still nothing sent');

    // Confirming, with one partnership picked (by keyboard, as anyone can).
    await page.goto(`${relay.url}/?relay=${encodeURIComponent(fake.url)}`);
    await page.getByTestId('relay-from-link').waitFor();
    await page.getByTestId('review-other-relay').click();
    assert.match(await page.getByTestId('other-relay-problem').innerText(), /Pick at least one partnership/);
    await page.locator(`[data-testid="offer-partnership"][data-id="${picked}"]`).focus();
    await page.keyboard.press('Space');
    await page.getByTestId('review-other-relay').click();
    const confirm = page.getByTestId('confirm-other-relay');
    await confirm.waitFor();
    const said = await confirm.innerText();
    assert.match(said, new RegExp(`Sync with ${fake.url.replace(/[/.]/g, '\\$&')}\\?`));
    assert.match(said, /no access control/);
    assert.match(said, /Northwind × Маша/);
    assert.doesNotMatch(said, /Southwind/);
    await eventually(() => page.evaluate(() => document.activeElement?.id), (id) => id === 'confirm-heading',
      { what: 'focus moves to the question' });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(OUTPUT, `sync-server-confirm-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.equal(fake.seen.connections.length, 0, 'nothing sent while asking');
    await page.getByTestId('use-other-relay').click();

    await eventually(() => fake.documents(), (d) => d.length > 0, { timeout: 10000, what: 'the fake server got a document' });
    await page.waitForTimeout(1500);
    assert.deepEqual(fake.documents(), [picked], 'only the picked partnership was offered');
    assert.ok(!fake.documents().includes(other));
    for (const c of fake.seen.connections) {
      assert.doesNotMatch(c.protocols, /credential/, 'no credential sent to it');
      assert.doesNotMatch(c.url, /credential/);
    }
    const device = await pageDevice(page, relay.url);
    for (const m of fake.seen.messages) {
      assert.ok(!String(m.senderId ?? '').startsWith(device.id), 'the device id is not its peer id');
    }
    assert.deepEqual(await accessRecords(page), recordsBefore, 'no access record changed');

    // A reload without the parameter stays with the configured choice, still only one.
    await page.goto(`${relay.url}/p/${other}`);
    await page.getByTestId('partnership-title').waitFor();
    assert.equal(await page.getByTestId('connection').getAttribute('title'), fake.url);
    await page.waitForTimeout(1000);
    assert.deepEqual(fake.documents(), [picked]);
    assert.deepEqual(await accessRecords(page), recordsBefore);

    // And back to the Tandem relay, where both sync as before.
    await page.goto(`${relay.url}/sync-server`);
    await page.getByTestId('use-home-relay').click();
    await page.waitForURL(`${relay.url}/`);
    await eventually(() => page.getByTestId('connection').getAttribute('data-state'), (s) => s === 'online',
      { timeout: 10000, what: 'back online on the Tandem relay' });
    assert.equal(await page.getByTestId('connection').getAttribute('title'), homeRelay);
    assert.deepEqual(await accessRecords(page), recordsBefore);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await relay.stop();
    await fake.stop();
  }
});

test('the CSP lets the page reach only its relay and the allowed servers', async () => {
  const allowed = await fakeServer();
  const blocked = await fakeServer();
  const relay = await startRelay({ args: ['--allow-relay', allowed.origin] });
  const context = await browser.newContext();
  try {
    const response = await fetch(`${relay.url}/`);
    const csp = response.headers.get('content-security-policy');
    assert.match(csp, new RegExp(`connect-src 'self' ${allowed.origin.replace(/[/.]/g, '\\$&')};`));
    assert.doesNotMatch(csp, /connect-src[^;]* wss?:(;| )/, 'no blanket ws: or wss:');

    const page = await context.newPage();
    await page.goto(relay.url);
    await page.getByTestId('new-partnership').waitFor();
    // The app itself is connected under that policy ('self' covers its own ws://).
    await eventually(() => page.getByTestId('connection').getAttribute('data-state'), (s) => s === 'online',
      { timeout: 10000, what: 'the app reaches its relay' });
    const tryOpen = (url) => page.evaluate((u) => new Promise((resolve) => {
      let violated = false;
      document.addEventListener('securitypolicyviolation', () => { violated = true; }, { once: true });
      try {
        const ws = new WebSocket(u);
        ws.onopen = () => { ws.close(); resolve({ opened: true, violated }); };
        ws.onerror = () => setTimeout(() => resolve({ opened: false, violated }), 100);
      } catch (e) {
        resolve({ opened: false, violated: true, threw: String(e) });
      }
    }), url);
    const toBlocked = await tryOpen(blocked.url);
    assert.equal(toBlocked.opened, false);
    assert.equal(toBlocked.violated, true, 'reported as a CSP violation');
    assert.equal(blocked.seen.connections.length, 0, 'the unlisted host got no connection');
    const toAllowed = await tryOpen(allowed.url);
    assert.equal(toAllowed.opened, true, 'an allowed server can be reached');

    // The settings refuse an unlisted server in words, before anything is sent.
    await page.goto(`${relay.url}/sync-server`);
    await page.getByTestId('other-relay-url').fill(blocked.url);
    await page.getByTestId('review-other-relay').click();
    const problem = page.getByTestId('other-relay-problem');
    await eventually(() => problem.innerText(), (t) => /does not allow the app to connect/.test(t), { what: 'the refusal' });
    assert.match(await problem.innerText(), new RegExp(`--allow-relay ${blocked.origin.replace(/[/.]/g, '\\$&')}`));
    assert.equal(await page.getByTestId('other-relay-url').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'other-relay-url');
    await page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
    await page.getByTestId('other-relay-url').fill(blocked.url);
    await page.getByTestId('sync-server').locator('button[type="submit"]').click();
    await eventually(() => problem.innerText(), (t) => /не разрешает приложению подключаться/.test(t), { what: 'the refusal in Russian' });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(OUTPUT, `sync-server-refused-ru-${width}.png`), fullPage: true });
    }
    assert.equal(blocked.seen.connections.length, 0);
  } finally {
    await context.close();
    await relay.stop();
    await allowed.stop();
    await blocked.stop();
  }
});

test('/join#… redeems nothing until Join is clicked, and asks the name with the link\'s side chosen', async () => {
  const relay = await startRelay();
  const brandContext = await browser.newContext();
  const guestContext = await browser.newContext();
  try {
    const brand = await brandContext.newPage();
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    const owner = await pageDevice(brand, relay.url);
    let made;
    await eventually(async () => {
      try { made = await owner.api('POST', `/api/docs/${id}/links`, { role: 'editor', label: 'Маша Петрова', side: 'creator' }); return true; } catch { return false; }
    }, (ok) => ok, { timeout: 10000, what: 'the partnership is registered' });
    const link = `${relay.url}/join#${made.secret}`;

    const guest = await guestContext.newPage();
    const errors = watchErrors(guest);
    const calls = [];
    guest.on('request', (r) => { if (r.url().includes('/api/')) calls.push(`${r.method()} ${new URL(r.url()).pathname}`); });
    await guest.goto(link);
    await guest.getByTestId('join-confirm').waitFor({ timeout: 10000 });
    await guest.waitForTimeout(1000);
    assert.ok(!calls.includes('POST /api/redeem'), `nothing redeemed before the click: ${calls}`);
    assert.ok(!guest.url().includes('#'), 'the secret is out of the address bar');
    const { links } = await owner.api('GET', `/api/docs/${id}/links`);
    assert.equal(links[0].last_used_ms, null, 'the link is not used yet');
    assert.equal(await guest.getByTestId('join-label').innerText(), 'Маша Петрова');
    assert.equal(await guest.getByTestId('join-role').getAttribute('data-role'), 'editor');
    assert.equal(await guest.getByTestId('join-relay').innerText(), relay.url);
    assert.equal(await guest.getByTestId('join-side').inputValue(), 'creator', 'the side defaults to the link\'s');
    assert.equal(await guest.evaluate(() => localStorage.getItem('tandem.name')), null, 'no name stored yet');
    for (const width of [1280, 390]) {
      await guest.setViewportSize({ width, height: 900 });
      await guest.screenshot({ path: join(OUTPUT, `join-ask-${width}.png`), fullPage: true });
    }
    await guest.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
    await guest.getByTestId('join-confirm').waitFor();
    assert.match(await guest.getByTestId('join').innerText(), /Присоединиться к партнёрству\?/);
    await guest.screenshot({ path: join(OUTPUT, 'join-ask-ru-390.png'), fullPage: true });
    await guest.setViewportSize({ width: 1280, height: 900 });
    await guest.screenshot({ path: join(OUTPUT, 'join-ask-ru-1280.png'), fullPage: true });
    await guest.getByTestId('lang-switch').locator('[data-lang="en"]').click();

    // Keyboard: name, then Enter joins.
    await guest.getByTestId('join-name').waitFor();
    await guest.getByLabel('Your name, as the others in it will see it').fill('Маша');
    await guest.keyboard.press('Enter');
    await guest.waitForURL(new RegExp(`/p/${id}$`), { timeout: 10000 });
    await guest.getByTestId('partnership-title').waitFor();
    assert.ok(calls.includes('POST /api/redeem'));
    assert.equal(await guest.getByTestId('role').getAttribute('data-role'), 'editor');
    assert.equal(await guest.evaluate(() => localStorage.getItem('tandem.side')), 'creator');
    assert.equal(await guest.evaluate(() => localStorage.getItem('tandem.name')), 'Маша');
    const after = await owner.api('GET', `/api/docs/${id}/links`);
    assert.ok(after.links[0].last_used_ms > 0, 'used once joined');
    assert.deepEqual(errors, []);
  } finally {
    await brandContext.close();
    await guestContext.close();
    await relay.stop();
  }
});
