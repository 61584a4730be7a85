// Browser storage failing under the app: a full disk (simulated at the storage layer by
// `window.__tandemSimulateStorageFull`, which fails writes as a QuotaExceededError does)
// keeps the edits in the tab, says so, offers an export and saves once space returns; a
// store the browser evicted comes back from the relay, with what was lost named. (A
// corrupt record is tests/e2e/unreadable.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Automerge from '@automerge/automerge';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, freePort, OUTPUT, shellCached,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const theme = (page) => page.getByTestId('theme-2027-Q1').inputValue();
const text = (locator) => locator.innerText();


async function allOnRelay(page) {
  await eventually(() => text(page.getByTestId('sync-state')), (t) => t === 'All changes are on the relay',
    { timeout: 15000, what: 'every change is on the relay' });
}

test('a full disk: a banner with an export, the edit kept and retried, saved once space returns', async () => {
  const relay = await startRelay();
  const context = await browser.newContext({ acceptDownloads: true });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    const id = await createPartnership(page, relay.url, 'Northwind', 'Маша');
    await shellCached(page);
    await allOnRelay(page);

    await page.evaluate(() => { window.__tandemSimulateStorageFull = true; });
    await page.getByTestId('theme-2027-Q1').fill('Typed while the disk was full');
    const banner = page.getByTestId('storage-banner');
    await banner.waitFor();
    assert.equal(await banner.getAttribute('role'), 'alert');
    const said = await text(banner);
    assert.match(said, /This browser's storage is full/);
    assert.match(said, /Your latest edits to Northwind × Маша are kept in this tab but are not saved in this browser yet/);
    assert.match(said, /Free some space on this device/);
    assert.match(await text(page.getByTestId('save-state')), /Not saved/);
    // Sync goes on: the relay acknowledges the edit, and the banner says so.
    await eventually(() => text(banner.getByTestId('storage-relay-state')), (t) => /relay has every one of these edits/.test(t),
      { timeout: 15000, what: 'the banner says the relay has the edit' });
    await page.screenshot({ path: join(OUTPUT, 'storage-full.png') });

    // The export holds the edit that is not saved in this browser.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      banner.getByTestId('storage-export').click(),
    ]);
    assert.equal(download.suggestedFilename(), `tandem-${id}.automerge`);
    const saved = join(OUTPUT, `storage-full-${Date.now()}.automerge`);
    await download.saveAs(saved);
    const doc = Automerge.load(new Uint8Array(readFileSync(saved)));
    assert.equal(String(doc.quarters['2027-Q1'].theme), 'Typed while the disk was full');

    // Space returns: the timed retry saves it with no further edit, and the banner goes.
    await page.evaluate(() => { window.__tandemSimulateStorageFull = false; });
    await banner.waitFor({ state: 'detached', timeout: 12000 });
    assert.equal(await text(page.getByTestId('save-state')), 'Saved in this browser');

    // Stored in this browser: a reload with no network still shows it.
    await context.setOffline(true);
    await page.reload();
    await page.getByTestId('partnership-title').waitFor({ timeout: 10000 });
    assert.equal(await theme(page), 'Typed while the disk was full');
    assert.deepEqual(errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED')), []);
  } finally {
    await context.close();
    await relay.stop();
  }
});

test('evicted storage: the partnership comes back from the relay and the app says local-only changes were lost', async () => {
  const port = await freePort();
  let relay = await startRelay({ port });
  const dataDir = relay.dataDir;
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await createPartnership(page, relay.url, 'Northwind', 'Маша');
    await page.getByTestId('theme-2027-Q1').fill('On the relay');
    await allOnRelay(page);

    // The relay goes away; an edit is saved only in this browser.
    await relay.kill();
    await eventually(() => page.getByTestId('connection').getAttribute('data-state'), (s) => s === 'offline',
      { timeout: 10000, what: 'the page sees the relay gone' });
    await page.getByTestId('theme-2027-Q1').fill('Only in this browser');
    await eventually(() => text(page.getByTestId('save-state')), (t) => t === 'Saved in this browser', { what: 'saved locally' });
    await eventually(() => text(page.getByTestId('sync-state')), (t) => /not yet on the relay/.test(t), { what: 'counted unsynced' });

    // The browser evicts IndexedDB; localStorage (the device, its access) stays.
    const kept = await context.storageState();
    await context.close();
    relay = await startRelay({ port, dataDir });
    const evicted = await browser.newContext({ storageState: kept });
    const back = await evicted.newPage();
    const errors = watchErrors(back);
    await back.goto(relay.url);

    const notice = back.getByTestId('storage-restore');
    await eventually(() => notice.getAttribute('data-state'), (s) => s === 'lost',
      { timeout: 15000, what: 'the restore is judged' });
    assert.equal(await notice.getAttribute('role'), 'alert');
    const said = await text(notice);
    assert.match(said, /Northwind × Маша was no longer in this browser's storage: the browser cleared or evicted it/);
    assert.match(said, /It is back from the relay, but the changes made in this browser after .+ had not reached the relay and were lost/);
    await back.screenshot({ path: join(OUTPUT, 'storage-evicted.png') });

    // What the relay had is here again, and stored.
    const card = back.getByTestId('partnership-card');
    await card.waitFor();
    assert.match(await text(card), /Northwind × Маша/);
    await card.getByRole('link').click();
    await back.getByTestId('partnership-title').waitFor();
    await back.getByTestId('tab-roadmap').click();
    assert.equal(await theme(back), 'On the relay');
    await notice.getByTestId('storage-restore-dismiss').click();
    await notice.waitFor({ state: 'detached' });
    await back.reload();
    await back.getByTestId('partnership-title').waitFor();
    assert.equal(await theme(back), 'On the relay');
    assert.equal(await back.getByTestId('storage-restore').count(), 0, 'reported once, not at every start');
    assert.deepEqual(errors, []);
    await evicted.close();
  } finally {
    await relay.stop();
  }
});

test('evicted storage with everything on the relay: restored, and nothing reported lost', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await createPartnership(page, relay.url, 'Northwind', 'Маша');
    await page.getByTestId('theme-2027-Q1').fill('Synced before the eviction');
    await allOnRelay(page);
    const kept = await context.storageState();
    await context.close();

    const evicted = await browser.newContext({ storageState: kept });
    const back = await evicted.newPage();
    const errors = watchErrors(back);
    await back.goto(relay.url);
    const notice = back.getByTestId('storage-restore');
    await eventually(() => notice.getAttribute('data-state'), (s) => s === 'restored',
      { timeout: 15000, what: 'the restore is judged' });
    assert.equal(await notice.getAttribute('role'), 'status');
    assert.match(await text(notice), /It is back from the relay, and nothing saved in this browser was lost/);
    await back.getByTestId('partnership-card').getByRole('link').click();
    await back.getByTestId('tab-roadmap').click();
    assert.equal(await theme(back), 'Synced before the eviction');
    assert.deepEqual(errors, []);
    await evicted.close();
  } finally {
    await relay.stop();
  }
});
