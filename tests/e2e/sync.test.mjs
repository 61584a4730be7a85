// Co-editing through a real relay process: two people at once, both offline then back,
// the relay killed mid-session, and two tabs with no network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, campaignTitles,
  addCampaign, freePort, OUTPUT, inviteLink, openLink,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const theme = (page) => page.getByTestId('theme-2027-Q1').inputValue();
const sorted = (xs) => [...xs].sort();

/** The owner on `ownerPage` sends an editor link; it is opened in a new context. */
async function openAs(ownerPage, relayUrl, id) {
  return openLink(browser, await inviteLink(ownerPage, relayUrl, id, 'editor'));
}

async function online(page) {
  await page.locator('[data-testid="connection"][data-state="online"]').waitFor({ timeout: 15000 });
}

/** Waits until the page says every change is on the relay. */
async function acknowledged(page) {
  await eventually(() => page.getByTestId('sync-state').innerText(), (t) => t.startsWith('All changes are on the relay'),
    { timeout: 10000, what: 'all changes acknowledged' });
}

test('two people edit the same theme and different campaigns at once, and both see the merge within a second', async () => {
  const relay = await startRelay();
  try {
    const brandContext = await browser.newContext();
    const brand = await brandContext.newPage();
    const brandErrors = watchErrors(brand);
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await brand.getByTestId('theme-2027-Q1').fill('Winter launch');
    await online(brand);
    await acknowledged(brand);
    const creator = await openAs(brand, relay.url, id);
    assert.equal(await theme(creator.page), 'Winter launch');

    // At once: the brand types at the start of the theme, the creator at its end, and
    // each adds a campaign.
    const brandTheme = brand.getByTestId('theme-2027-Q1');
    const creatorTheme = creator.page.getByTestId('theme-2027-Q1');
    await Promise.all([
      (async () => {
        await brandTheme.focus();
        await brand.keyboard.press('Control+Home');
        await brand.keyboard.type('Big ');
        await addCampaign(brand, '2027-Q1', 'Spring drop', 'RU');
      })(),
      (async () => {
        await creatorTheme.focus();
        await creator.page.keyboard.press('Control+End');
        await creator.page.keyboard.type(' in Moscow');
        await addCampaign(creator.page, '2027-Q1', 'Reels series', 'US');
      })(),
    ]);
    const want = 'Big Winter launch in Moscow';
    for (const page of [brand, creator.page]) {
      await eventually(() => theme(page), (t) => t === want, { timeout: 1000, what: 'merged theme' });
      await eventually(() => campaignTitles(page, '2027-Q1'),
        (t) => JSON.stringify(sorted(t)) === JSON.stringify(['Reels series', 'Spring drop']),
        { timeout: 1000, what: 'both campaigns' });
    }
    assert.deepEqual(await campaignTitles(brand, '2027-Q1'), await campaignTitles(creator.page, '2027-Q1'),
      'the same order on both sides');
    await brand.screenshot({ path: join(OUTPUT, 'co-editing-brand.png'), fullPage: false });
    assert.deepEqual(brandErrors, []);
    assert.deepEqual(creator.errors, []);
    await brandContext.close();
    await creator.context.close();
  } finally {
    await relay.stop();
  }
});

test('both go offline, edit the same paragraph and add campaigns, and come back to the union', async () => {
  const relay = await startRelay();
  try {
    const brandContext = await browser.newContext();
    const brand = await brandContext.newPage();
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await brand.getByTestId('theme-2027-Q1').fill('Launch plan');
    await acknowledged(brand);
    const creator = await openAs(brand, relay.url, id);

    await brandContext.setOffline(true);
    await creator.context.setOffline(true);
    await brand.locator('[data-testid="connection"][data-state="offline"]').waitFor();

    await brand.getByTestId('theme-2027-Q1').focus();
    await brand.keyboard.press('Control+Home');
    await brand.keyboard.type('Brand: ');
    await addCampaign(brand, '2027-Q1', 'Offline brand idea', 'RU');
    await creator.page.getByTestId('theme-2027-Q1').focus();
    await creator.page.keyboard.press('Control+End');
    await creator.page.keyboard.type(' (creator notes)');
    await addCampaign(creator.page, '2027-Q1', 'Offline creator idea', 'US');
    assert.match(await brand.getByTestId('sync-state').innerText(), /not yet on the relay/);
    await brand.screenshot({ path: join(OUTPUT, 'offline-brand.png'), fullPage: false });

    await brandContext.setOffline(false);
    await creator.context.setOffline(false);
    const want = 'Brand: Launch plan (creator notes)';
    for (const page of [brand, creator.page]) {
      await eventually(() => theme(page), (t) => t === want, { timeout: 15000, what: 'merged theme' });
      await eventually(() => campaignTitles(page, '2027-Q1'),
        (t) => JSON.stringify(sorted(t)) === JSON.stringify(['Offline brand idea', 'Offline creator idea']),
        { timeout: 15000, what: 'both offline campaigns' });
      await acknowledged(page);
    }
    await brandContext.close();
    await creator.context.close();
  } finally {
    await relay.stop();
  }
});

test('the relay is killed mid-session and restarted: clients reconnect and nothing acknowledged is lost', async () => {
  const port = await freePort();
  let relay = await startRelay({ port });
  const { dataDir } = relay;
  try {
    const brandContext = await browser.newContext();
    const brand = await brandContext.newPage();
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await brand.getByTestId('goal').fill('Acknowledged before the crash');
    await addCampaign(brand, '2027-Q1', 'Survives the crash', 'RU');
    await acknowledged(brand);

    await relay.kill();
    await brand.locator('[data-testid="connection"][data-state="offline"]').waitFor({ timeout: 10000 });
    await brand.getByTestId('theme-2027-Q1').fill('Typed while the relay was down');
    relay = await startRelay({ port, dataDir });
    await online(brand);
    await acknowledged(brand);

    // A newcomer sees everything, from the relay alone.
    const viewer = await openAs(brand, relay.url, id);
    assert.equal(await viewer.page.getByTestId('goal').inputValue(), 'Acknowledged before the crash');
    assert.deepEqual(await campaignTitles(viewer.page, '2027-Q1'), ['Survives the crash']);
    assert.equal(await theme(viewer.page), 'Typed while the relay was down');
    await brandContext.close();
    await viewer.context.close();
  } finally {
    await relay.stop();
  }
});

test('two tabs of one browser see each other\'s edits with no network at all', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext();
    const first = await context.newPage();
    const id = await createPartnership(first, relay.url, 'Northwind', 'Маша');
    const second = await context.newPage();
    await second.goto(`${relay.url}/p/${id}#tab-roadmap`);
    await second.getByTestId('partnership-title').waitFor();

    await context.setOffline(true);
    await first.locator('[data-testid="connection"][data-state="offline"]').waitFor();
    await first.getByTestId('theme-2027-Q1').fill('Written in tab one');
    await eventually(() => theme(second), (t) => t === 'Written in tab one', { timeout: 3000, what: 'tab two sees it' });
    await addCampaign(second, '2027-Q1', 'Added in tab two', 'US');
    await eventually(() => campaignTitles(first, '2027-Q1'), (t) => t.includes('Added in tab two'),
      { timeout: 3000, what: 'tab one sees it' });
    await context.close();
  } finally {
    await relay.stop();
  }
});
