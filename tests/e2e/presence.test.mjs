// Presence: who else has the partnership open, by display name and side; someone who
// leaves disappears (at once when they navigate away, within ~45 s when they vanish).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, inviteLink, OUTPUT, setName, confirmJoin,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const hereNow = (page) => page.getByTestId('here-now').innerText();

test('each side sees who else has the partnership open, and sees them go', async () => {
  const relay = await startRelay();
  try {
    const brandContext = await browser.newContext();
    const brand = await brandContext.newPage();
    const errors = watchErrors(brand);
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await setName(brand, 'Anna', 'brand');
    assert.match(await brand.getByTestId('presence').innerText(), /You appear as Anna \(brand\)/);

    const creatorContext = await browser.newContext();
    const creator = await creatorContext.newPage();
    await creator.goto(await inviteLink(brand, relay.url, id, 'editor', 'Маша'));
    await confirmJoin(creator); // the join page asks first (issue #16)
    await creator.getByTestId('partnership-title').waitFor({ timeout: 10000 });
    await setName(creator, 'Маша Петрова', 'creator');

    await eventually(() => hereNow(brand), (t) => t === 'Also here: Маша Петрова (creator)', { what: 'brand sees Маша' });
    await eventually(() => hereNow(creator), (t) => t === 'Also here: Anna (brand)', { what: 'Маша sees Anna' });
    await brand.screenshot({ path: join(OUTPUT, 'presence.png') });

    // Navigating away says goodbye at once.
    await creator.getByRole('link', { name: 'Partnerships' }).click();
    await eventually(() => hereNow(brand), (t) => t.startsWith('Nobody else'), { timeout: 3000, what: 'Маша left' });
    await creator.goBack();
    await eventually(() => hereNow(brand), (t) => t.includes('Маша Петрова'), { what: 'Маша is back' });

    // Vanishing without a goodbye (the laptop's network drops): gone within ~45 s.
    await creatorContext.setOffline(true);
    const started = Date.now();
    await eventually(() => hereNow(brand), (t) => t.startsWith('Nobody else'), { timeout: 45000, interval: 500, what: 'Маша expired' });
    const seconds = (Date.now() - started) / 1000;
    console.log(`presence expired after ${seconds.toFixed(1)} s`);
    assert.ok(seconds > 5, 'gone by expiry, not by a goodbye');
    await creatorContext.close();
    assert.deepEqual(errors, []);
    await brandContext.close();
  } finally {
    await relay.stop();
  }
});
