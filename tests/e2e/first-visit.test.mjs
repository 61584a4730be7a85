// A first visit: the loading screen paints before the WebAssembly has arrived (in the
// browser's language) and the app takes its place; the wasm crosses the wire once,
// brotli-compressed, even though the service worker caches it on install.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startRelay, launchBrowser, watchErrors, eventually, shellCached } from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** Holds every `.wasm` request of `page` until `release()` is called. */
async function holdWasm(page) {
  let release;
  const released = new Promise((r) => { release = r; });
  let held = 0;
  await page.route('**/*_bg.wasm', async (route) => {
    held += 1;
    await released;
    await route.continue();
  });
  return { release, held: () => held };
}

for (const [locale, loading, hidden] of [
  ['en-GB', 'Loading Tandem…', '.boot-ru'],
  ['ru-RU', 'Загружаем Tandem…', '.boot-en'],
]) {
  test(`the loading screen paints before the wasm arrives and the app replaces it (${locale})`, async () => {
    const relay = await startRelay();
    const context = await browser.newContext({ locale });
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      const wasm = await holdWasm(page);
      await page.goto(relay.url, { waitUntil: 'domcontentloaded' });
      await eventually(async () => wasm.held(), (n) => n > 0, { what: 'the page asked for the wasm' });

      // The wasm is still on its way: the skeleton is what the person sees, painted.
      const boot = page.getByTestId('boot-skeleton');
      assert.ok(await boot.isVisible(), 'the loading screen is shown');
      assert.ok(await boot.locator('.topbar .logo').isVisible(), 'with the top bar and its title');
      assert.equal(await boot.getByRole('status').innerText(), loading);
      const otherShown = await boot.locator(hidden).evaluateAll((els) => els.filter((e) => e.checkVisibility()).length);
      assert.equal(otherShown, 0, 'the other language is not shown');
      await eventually(() => page.evaluate(() => performance.getEntriesByType('paint').map((e) => e.name)),
        (names) => names.includes('first-contentful-paint'), { what: 'the loading screen painted' });
      assert.equal(await page.getByTestId('lang-switch').count(), 0, 'the app has not mounted yet');

      wasm.release();
      await page.getByTestId('lang-switch').waitFor({ timeout: 15000 });
      await page.getByTestId('new-partnership').waitFor({ timeout: 15000 });
      assert.equal(await page.getByTestId('boot-skeleton').count(), 0, 'the app took its place');
      assert.equal(await page.locator('header.topbar').count(), 1, 'one top bar, the app’s');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await relay.stop();
    }
  });
}

/**
 * A pass-through proxy in front of the relay that counts the requests for each path and
 * notes each answer's Content-Encoding: what the relay really sent, the service worker's
 * requests included (CDP on the page does not see those).
 */
async function countingProxy(target) {
  const { hostname, port } = new URL(target);
  const seen = [];
  const server = http.createServer((req, res) => {
    const upstream = http.request({ host: hostname, port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        let bytes = 0;
        answer.on('data', (d) => { bytes += d.length; });
        answer.on('end', () => seen.push({
          path: new URL(req.url, target).pathname,
          status: answer.statusCode,
          encoding: answer.headers['content-encoding'] ?? 'identity',
          // Chromium offers br only over HTTPS; on plain-HTTP loopback it asks for gzip.
          best: /\bbr\b/.test(req.headers['accept-encoding'] ?? '') ? 'br' : 'gzip',
          cacheControl: answer.headers['cache-control'] ?? '',
          bytes,
        }));
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // WebSocket upgrades (/sync) pass through as raw bytes.
  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(Number(port), hostname, () => {
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n`);
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        upstream.write(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`);
      }
      upstream.write('\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

test('the wasm crosses the wire once, compressed, though the service worker caches it', async () => {
  const relay = await startRelay();
  const proxy = await countingProxy(relay.url);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(proxy.url);
    await page.getByTestId('new-partnership').waitFor({ timeout: 15000 });
    await shellCached(page);

    const wasm = proxy.seen.filter((r) => r.path.endsWith('_bg.wasm'));
    assert.equal(wasm.length, 1, `one download of the wasm: ${JSON.stringify(wasm)}`);
    assert.equal(wasm[0].encoding, wasm[0].best, 'the wasm in the best encoding the browser offered');
    assert.equal(wasm[0].cacheControl, 'public, max-age=31536000, immutable');
    for (const r of proxy.seen.filter((s) => /\.(js|css|html|wasm)$|^\/$/.test(s.path) && s.status === 200)) {
      assert.equal(r.encoding, r.best, `${r.path} is sent compressed (${r.best})`);
    }
    // The service worker has the wasm (from the HTTP cache) and serves it offline.
    const cached = await page.evaluate(async () => {
      const cache = await caches.open('tandem-shell-v1');
      const url = (await cache.keys()).map((r) => r.url).find((u) => u.endsWith('_bg.wasm'));
      const response = await cache.match(url);
      return new Uint8Array(await response.arrayBuffer()).slice(0, 4).join(',');
    });
    assert.equal(cached, '0,97,115,109', 'the cached wasm is the decoded module');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await proxy.close();
    await relay.stop();
  }
});
