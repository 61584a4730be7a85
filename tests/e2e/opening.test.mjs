// Opening a partnership paints its content at once from a preview (a compact copy of
// the content written once the partnership is quiet), read-only with "Opening…", then
// becomes editable once the whole document has loaded. A preview that no longer matches
// what is stored is never shown: the page waits for the document instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startRelay, launchBrowser, watchErrors, createPartnership, eventually, previewStored, OUTPUT } from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// Waits until the preview store holds a preview of the partnership.
const previewWritten = (page, id) => eventually(() => previewStored(page, id), (stored) => stored === true,
  { timeout: 20000, interval: 250, what: 'the preview is stored' });

// Deletes the copies of the partnership's page (painted before the app when present, in
// place of the preview), so the preview path is what is tested.
const dropPageCopies = (page, id) => page.evaluate((id) => new Promise((resolve, reject) => {
  const open = indexedDB.open('tandem-preview');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction('documents', 'readwrite');
    tx.objectStore('documents').delete(IDBKeyRange.bound([`page:${id}:`], [`page:${id}:\uffff`]));
    tx.oncomplete = () => { open.result.close(); resolve(); };
    tx.onerror = () => reject(tx.error);
  };
}), id);

// Records, from the first script on, every goal text a read-only preview showed (checked
// every frame: the preview is on screen for a few frames before the document loads).
async function watchPreviews(page) {
  await page.addInitScript(() => {
    window.__previewGoals = [];
    const look = () => {
      const goal = document.querySelector('.opening-preview [data-testid="goal"]');
      if (goal && goal.value && window.__previewGoals.at(-1) !== goal.value) {
        window.__previewGoals.push(goal.value);
        window.__previewDisabled = goal.matches(':disabled');
        window.__previewSays = document.querySelector('[data-testid="save-state"]')?.textContent;
        window.__previewShares = !!document.querySelector('.opening-preview [data-testid="share-panel"]');
      }
    };
    const frame = () => { look(); requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
    new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

test('a partnership paints from its preview read-only, then becomes editable; a stale preview is never shown', async () => {
  const relay = await startRelay();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await watchPreviews(page);
    const id = await createPartnership(page, relay.url, 'Northwind', 'Маша');
    const goal = page.getByTestId('goal');
    await goal.fill('Grow RU sales together');
    await goal.blur();
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();
    await page.getByTestId('sync-state').filter({ hasText: 'All changes are on the relay' }).waitFor({ timeout: 15000 });
    await previewWritten(page, id);

    // Reopened: the preview is painted first, read-only, saying it is opening.
    await page.waitForTimeout(1500); // no copy of the page is still to be written
    await dropPageCopies(page, id);
    await page.reload();
    await page.getByTestId('editable').and(page.locator('[data-read-only="false"]')).waitFor({ timeout: 20000 });
    assert.deepEqual(await page.evaluate(() => window.__previewGoals), ['Grow RU sales together']);
    assert.equal(await page.evaluate(() => window.__previewDisabled), true);
    assert.match(await page.evaluate(() => window.__previewSays), /Opening… \(read-only until it has loaded\)/);
    // The owner's share panel stands where it will (nothing moves when the page goes live).
    assert.equal(await page.evaluate(() => window.__previewShares), true);
    // Then the document: the same content, editable, and what is typed is kept.
    assert.equal(await goal.inputValue(), 'Grow RU sales together');
    await goal.fill('Grow RU and US sales together');
    await goal.blur();
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();

    // Reloaded at once, before the preview caught up with that edit: the old preview no
    // longer matches the stored chunks, so the page shows nothing until the document.
    await page.reload();
    await page.getByTestId('editable').and(page.locator('[data-read-only="false"]')).waitFor({ timeout: 20000 });
    assert.deepEqual(await page.evaluate(() => window.__previewGoals), []);
    assert.equal(await goal.inputValue(), 'Grow RU and US sales together');
    await page.screenshot({ path: join(OUTPUT, 'opening-loaded.png') });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await relay.stop();
  }
});

// Before the WebAssembly has even arrived: the copy of the page this tab last showed
// (public/boot.js, src/platform/page_copy.rs) is painted, inert, saying it opens; the app
// replaces it. A copy made from chunks no longer the stored ones is never painted.
test('a page seen before is painted from its copy before the app arrives; a stale copy never', async () => {
  const relay = await startRelay();
  // No service worker, so the WebAssembly's download can be slowed here: the copy then
  // has to be what is seen first.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.addInitScript(() => {
      window.__copies = [];
      const look = () => {
        if (document.querySelector('.opening-preview')) window.__previewSeen = true;
        const boot = document.getElementById('boot');
        const goal = boot?.classList.contains('opening-copy') && boot.querySelector('[data-copy-testid="goal"]');
        if (goal && window.__copies.at(-1)?.goal !== goal.value) {
          window.__copies.push({
            goal: goal.value,
            inert: boot.querySelector('main').inert,
            says: boot.querySelector('[data-copy-testid="save-state"]')?.textContent,
            status: boot.querySelector('[role="status"]')?.textContent,
            appBuilt: !!document.querySelector('[data-testid="partnership-title"]'),
          });
        }
      };
      new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true });
    });
    const id = await createPartnership(page, relay.url, 'Northwind', 'Маша', { tab: 'roadmap' });
    const goal = page.getByTestId('goal');
    await goal.fill('Grow RU sales together');
    await goal.blur();
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();
    await eventually(() => previewStored(page, `page:${id}:roadmap`), (s) => s === true,
      { timeout: 20000, interval: 250, what: 'the page is copied' });
    // A link shown once is never copied (nor is the panel kept open).
    await page.getByTestId('share-toggle').click();
    await page.getByTestId('create-link').click();
    const made = await page.getByTestId('made-link').inputValue();
    assert.match(made, /\/join#/);
    const copied = await page.evaluate((id) => window.tandemPage.capture(id).json, id);
    assert.ok(copied.includes('Grow RU sales together') && !copied.includes(made.split('#')[1]), 'no secret in the copy');
    await page.getByTestId('share-close').click();
    // The copy is of what is stored now: wait until nothing else is due to be written.
    await page.waitForTimeout(2500);

    await page.route(/_bg\.wasm$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.reload();
    await page.getByTestId('editable').and(page.locator('[data-read-only="false"]')).waitFor({ timeout: 20000 });
    const copies = await page.evaluate(() => window.__copies);
    assert.equal(copies.length, 1, JSON.stringify(copies));
    assert.deepEqual(copies[0], {
      goal: 'Grow RU sales together',
      inert: true,
      says: 'Opening…',
      status: 'Opening the partnership: read-only until it has loaded.',
      appBuilt: false,
    });
    assert.equal(await page.locator('#boot').count(), 0, 'the app replaced the copy');
    assert.equal(await page.evaluate(() => window.__previewSeen), undefined,
      'with the copy up, the app went straight to the document (no preview painted too)');
    assert.equal(await goal.inputValue(), 'Grow RU sales together');

    // An edit is stored and the page reopened at once: the copy is of chunks no longer
    // stored, so nothing is painted before the app.
    await page.waitForTimeout(1500);
    await goal.fill('Grow RU and US sales together');
    await goal.blur();
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();
    await page.reload();
    await page.getByTestId('editable').and(page.locator('[data-read-only="false"]')).waitFor({ timeout: 20000 });
    assert.deepEqual(await page.evaluate(() => window.__copies), []);
    assert.equal(await goal.inputValue(), 'Grow RU and US sales together');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await relay.stop();
  }
});

// The page a browser opens on does not wait for its other partnerships: they load after
// it, one at a time. Here the disk is slow for one of them (its chunks' read answers 6 s
// late): the partnership addressed is editable at once, the home page says one is still
// opening, and it then takes its place — nothing offered to start over, nothing lost.
test('the partnership a page opens on does not wait for the others to load', async () => {
  const relay = await startRelay();
  const context = await browser.newContext();
  try {
    await context.addInitScript(() => {
      const slowDoc = localStorage.getItem('test.slowDoc');
      if (!slowDoc) return;
      window.__slowReads = 0;
      const success = Object.getOwnPropertyDescriptor(IDBRequest.prototype, 'onsuccess');
      Object.defineProperty(IDBRequest.prototype, 'onsuccess', {
        configurable: true,
        enumerable: true,
        get: success.get,
        set(fn) {
          const late = this.__late;
          success.set.call(this, fn && late ? (e) => setTimeout(() => fn.call(this, e), late) : fn);
        },
      });
      const getAll = IDBObjectStore.prototype.getAll;
      IDBObjectStore.prototype.getAll = function (query, ...rest) {
        const request = getAll.call(this, query, ...rest);
        if (this.transaction.db.name === 'tandem' && query instanceof IDBKeyRange
          && Array.isArray(query.lower) && query.lower[0] === slowDoc) {
          request.__late = 6000;
          window.__slowReads += 1;
        }
        return request;
      };
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const slow = await createPartnership(page, relay.url, 'Slowpoke', 'Disk');
    await page.getByTestId('goal').fill('Kept on a slow disk');
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();
    const quick = await createPartnership(page, relay.url, 'Northwind', 'Маша');
    await page.evaluate((id) => localStorage.setItem('test.slowDoc', id), slow);

    // (The page shows it already: reloaded, it opens anew.)
    assert.equal(new URL(page.url()).pathname, `/p/${quick}`);
    await page.reload();
    const goal = page.getByTestId('goal');
    await page.getByTestId('editable').and(page.locator('[data-read-only="false"]')).waitFor({ timeout: 5000 });
    await goal.fill('Typed while another partnership loads');
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor({ timeout: 3000 });
    // Home, inside the app: the one on the slow disk is still opening.
    await page.getByRole('link', { name: 'Partnerships' }).click();
    await page.getByTestId('partnership-list').waitFor();
    const opening = page.getByTestId('still-opening');
    assert.equal(await opening.textContent(), 'Still opening 1 partnership…');
    assert.equal(await page.evaluate(() => window.__slowReads), 1, 'the slow partnership is being read');
    assert.equal(await page.getByTestId('partnership-card').count(), 1);
    assert.equal(await page.getByTestId('empty-new-partnership').count(), 0, 'never offered to start over');
    // Its own page meanwhile says so (and does not ask the relay for it).
    await page.evaluate((id) => history.pushState(null, '', `/p/${id}`), slow);
    await page.evaluate(() => window.dispatchEvent(new PopStateEvent('popstate')));
    await page.getByTestId('opening-partnership').waitFor({ timeout: 5000 });
    assert.equal(await page.getByTestId('opening-partnership').getByRole('status').textContent(), 'Opening the partnership…');
    assert.equal(await page.getByTestId('fetching').count(), 0);
    // Then it takes its place, whole.
    await page.getByTestId('partnership-title').waitFor({ timeout: 15000 });
    assert.equal(await page.getByTestId('fetching').count(), 0);
    await page.getByTestId('tab-roadmap').click();
    assert.equal(await page.getByTestId('goal').inputValue(), 'Kept on a slow disk');
    await page.getByRole('link', { name: 'Partnerships' }).click();
    await eventually(() => page.getByTestId('partnership-card').count(), (n) => n === 2, { what: 'both cards' });
    assert.equal(await page.getByTestId('still-opening').count(), 0);

    // Nothing typed was lost.
    await page.evaluate(() => localStorage.removeItem('test.slowDoc'));
    await page.goto(`${relay.url}/p/${quick}#tab-roadmap`);
    assert.equal(await page.getByTestId('goal').inputValue(), 'Typed while another partnership loads');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await relay.stop();
  }
});
