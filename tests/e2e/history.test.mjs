// History: two people edit; the timeline shows both by name and in words; a past version
// opens read-only with the old content; what the other side did since the last visit is
// marked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, addCampaign, campaignTitles,
  inviteLink, openLink, OUTPUT, setName,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const sessions = (page) => page.getByTestId('history-session').evaluateAll((items) => items.map((li) => ({
  who: li.querySelector('[data-testid="history-who"]').innerText,
  what: li.querySelector('[data-testid="history-what"]').innerText,
  isNew: li.dataset.new === 'true',
})));

test('the history shows who changed what, opens an old version read-only, and marks what is new', async () => {
  const relay = await startRelay();
  try {
    const brandContext = await browser.newContext();
    const brand = await brandContext.newPage();
    const errors = watchErrors(brand);
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await setName(brand, 'Anna', 'brand');
    await brand.getByTestId('theme-2027-Q1').pressSequentially('Winter launch');

    const creator = await openLink(browser, await inviteLink(brand, relay.url, id, 'editor'));
    await setName(creator.page, 'Маша Петрова', 'creator');
    await addCampaign(creator.page, '2027-Q1', 'Spring drop', 'RU');
    await eventually(() => campaignTitles(brand, '2027-Q1'), (t) => t.includes('Spring drop'), { what: 'the campaign arrives' });

    // The brand leaves the page (its visit ends here), the creator edits again, the brand comes back.
    await brand.getByRole('link', { name: 'Partnerships' }).click();
    await brand.getByTestId('new-partnership').waitFor();
    await creator.page.getByTestId('goal').fill('Grow RU reach');
    await brand.waitForTimeout(1000);
    await brand.goto(`${relay.url}/p/${id}`);
    await eventually(() => brand.getByTestId('goal').inputValue(), (g) => g === 'Grow RU reach', { what: 'the goal arrives' });
    await brand.getByTestId('tab-history').click();
    const list = await eventually(() => sessions(brand), (s) => s.length >= 2, { what: 'sessions listed' });

    const masha = list.find((s) => s.who === 'Маша Петрова (creator)');
    const anna = list.find((s) => s.who === 'Anna (brand)');
    assert.ok(masha, `Маша is named: ${JSON.stringify(list)}`);
    assert.ok(anna, `Anna is named: ${JSON.stringify(list)}`);
    assert.match(masha.what, /added campaign “Spring drop” \(RU\) to 2027-Q1/);
    assert.match(masha.what, /changed the larger goal/);
    assert.match(anna.what, /changed the 2027-Q1 theme and objectives \(\d+ edits\)/);
    assert.match(anna.what, /create partnership/);
    assert.equal(list[0].who, 'Маша Петрова (creator)', 'newest first');
    assert.ok(masha.isNew, 'what Маша did since the last visit is marked');
    assert.ok(!anna.isNew, 'the brand\'s own edits are not');
    await brand.screenshot({ path: join(OUTPUT, 'history.png'), fullPage: true });

    // Anna's session is the version before Маша's campaign: it opens read-only.
    const annaItem = brand.getByTestId('history-session').filter({ hasText: 'Anna (brand)' }).first();
    await annaItem.getByTestId('view-version').click();
    await brand.getByTestId('past-version-banner').waitFor();
    const past = brand.getByTestId('past-version');
    assert.equal(await past.getByTestId('theme-2027-Q1').inputValue(), 'Winter launch');
    assert.deepEqual(await campaignTitles(brand, '2027-Q1'), [], 'no campaign yet in that version');
    assert.ok(await past.getByTestId('theme-2027-Q1').isDisabled(), 'cannot be edited');
    assert.equal(await past.getByTestId('goal').inputValue(), '');
    await brand.screenshot({ path: join(OUTPUT, 'history-version.png'), fullPage: true });
    // The current document is untouched.
    await brand.getByRole('button', { name: 'Back to the history' }).first().click();
    await brand.getByTestId('tab-roadmap').click();
    assert.deepEqual(await campaignTitles(brand, '2027-Q1'), ['Spring drop']);
    assert.deepEqual(errors, []);
    await creator.context.close();
    await brandContext.close();
  } finally {
    await relay.stop();
  }
});
