// Journey: a stored partnership whose bytes are corrupt is marked unreadable on the home
// page with its reason and a download of its untouched bytes; the others keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRelay, launchBrowser, watchErrors, OUTPUT } from './support.mjs';

let relay;
let browser;
before(async () => {
  relay = await startRelay();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await relay?.stop();
});

async function createPartnership(page, brand, creator) {
  await page.goto(`${relay.url}/new`);
  await page.getByLabel('Brand').fill(brand);
  await page.getByLabel('Creator or agency').fill(creator);
  await page.getByTestId('create-partnership').click();
  await page.waitForURL(/\/p\//);
  await page.getByTestId('partnership-title').waitFor();
  return new URL(page.url()).pathname.split('/').pop();
}

/** Writes a record straight into the app's IndexedDB, as a damaged disk or a bug might. */
async function plantGarbage(page, docId) {
  await page.evaluate((id) => new Promise((resolve, reject) => {
    const open = indexedDB.open('tandem', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('documents', 'readwrite');
      const key = [id, 'incremental', 'garbage'];
      tx.objectStore('documents').put({ key, binary: new TextEncoder().encode('not automerge at all') }, key);
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), docId);
}

test('a corrupt partnership is reported, downloadable, and does not hide the others', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchErrors(page);

  const goodId = await createPartnership(page, 'Good Brand', 'Good Creator');
  const badId = await createPartnership(page, 'Broken Brand', 'Broken Creator');
  assert.notEqual(goodId, badId);
  await plantGarbage(page, badId);

  await page.goto(relay.url);
  const bad = page.getByTestId('unreadable-card');
  await bad.waitFor();
  assert.match(await bad.getByTestId('unreadable-reason').innerText(), /not a readable Automerge document/);
  assert.match(await bad.innerText(), new RegExp(badId));
  const good = page.getByTestId('partnership-card');
  assert.equal(await good.count(), 1);
  assert.match(await good.innerText(), /Good Brand × Good Creator/);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    bad.getByTestId('download-unreadable').click(),
  ]);
  assert.equal(download.suggestedFilename(), `tandem-${badId}.automerge`);
  const saved = join(OUTPUT, download.suggestedFilename());
  await download.saveAs(saved);
  assert.ok(readFileSync(saved).includes(Buffer.from('not automerge at all')), 'the download holds the stored bytes');
  await page.screenshot({ path: join(OUTPUT, 'home-unreadable.png') });

  await good.getByRole('link').click();
  await page.getByTestId('partnership-title').waitFor();
  assert.match(await page.getByTestId('partnership-title').innerText(), /Good Brand/);

  assert.deepEqual(errors, [], 'the page logged no errors');
  await context.close();
});
