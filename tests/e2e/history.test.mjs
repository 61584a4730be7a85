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
    await brand.goto(`${relay.url}/p/${id}#tab-roadmap`);
    await eventually(() => brand.getByTestId('goal').inputValue(), (g) => g === 'Grow RU reach', { what: 'the goal arrives' });
    await brand.getByTestId('tab-history').click();
    const list = await eventually(() => sessions(brand), (s) => s.length >= 2, { what: 'sessions listed' });

    const masha = list.find((s) => s.who === 'Маша Петрова (creator)');
    const anna = list.find((s) => s.who === 'Anna (brand)');
    assert.ok(masha, `Маша is named: ${JSON.stringify(list)}`);
    assert.ok(anna, `Anna is named: ${JSON.stringify(list)}`);
    assert.match(masha.what, /added campaign “Spring drop” \(RU\) to 2027-Q1/);
    assert.match(masha.what, /edited the larger goal/);
    assert.match(anna.what, /created the partnership/);
    // Thirteen keystrokes into the theme read as one line, grouped under the roadmap.
    assert.equal(anna.what.match(/edited the 2027-Q1 theme and objectives/g)?.length, 1, anna.what);
    assert.doesNotMatch(anna.what, /edits\)/);
    assert.match(anna.what, /Roadmap/);
    assert.equal(list[0].who, 'Маша Петрова (creator)', 'newest first');
    assert.ok(masha.isNew, 'what Маша did since the last visit is marked');
    assert.ok(!anna.isNew, 'the brand\'s own edits are not');
    const newLines = await brand.getByTestId('history-session').first().locator('.history-line[data-new="true"]').allInnerTexts();
    // The campaign arrived while the brand was here; only the goal came after it left.
    assert.equal(newLines.length, 1, `only the goal is new: ${newLines}`);
    assert.match(newLines[0], /edited the larger goal/);
    // What the theme line changed, on demand.
    const annaSession = brand.getByTestId('history-session').filter({ hasText: 'Anna (brand)' }).first();
    const themeLine = annaSession.locator('.history-line').filter({ hasText: 'theme and objectives' });
    await themeLine.locator('summary').click();
    await eventually(() => themeLine.locator('.text-change-body').innerText(), (t) => /Before\s+\(empty\)\s+After\s+Winter launch/.test(t), { what: 'before and after' });
    await brand.screenshot({ path: join(OUTPUT, 'history.png'), fullPage: true });
    // In Russian, every line Tandem wrote is Russian: only typed values and codes stay.
    await brand.getByTestId('lang-switch').getByRole('button', { name: 'Русский' }).click();
    const ru = await eventually(() => sessions(brand), (s) => s.some((x) => /создано партнёрство/.test(x.what)), { what: 'the history in Russian' });
    const words = ru.map((x) => x.what).join('\n')
      .replace(/«[^»]*»/g, '').replace(/Маша Петрова|Anna|RU|KPI|20\d\d-Q\d|Winter launch/g, '');
    assert.doesNotMatch(words, /[A-Za-z]{2,}/, `no English left: ${words}`);
    await brand.screenshot({ path: join(OUTPUT, 'history-ru.png'), fullPage: true });
    await brand.getByTestId('lang-switch').getByRole('button', { name: 'English' }).click();

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
