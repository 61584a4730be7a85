// Journey: create a partnership, fill a quarter's theme and two campaigns, reorder them,
// reload — everything is there, in order. Leaves a screenshot in test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startRelay, launchBrowser, watchErrors, eventually, OUTPUT } from './support.mjs';

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

async function campaignTitles(page, quarter) {
  return page.locator(`[data-testid="campaigns-${quarter}"] [data-testid="campaign-title"]`)
    .evaluateAll((inputs) => inputs.map((i) => i.value));
}

test('a roadmap survives a reload, campaigns in the order the user set', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchErrors(page);

  await page.goto(relay.url);
  await page.getByText('No partnerships in this browser yet.').waitFor();
  await page.getByTestId('new-partnership').click();
  await page.getByLabel('Brand').fill('Northwind Coffee');
  await page.getByLabel('Creator or agency').fill('Маша Петрова');
  await page.getByLabel('First quarter').fill('2027-Q1');
  await page.getByTestId('create-partnership').click();

  await page.waitForURL(/\/p\//);
  await assert.doesNotReject(page.getByTestId('partnership-title').waitFor());
  assert.match(await page.getByTestId('partnership-title').innerText(), /Northwind Coffee × Маша Петрова/);
  // A new partnership opens on its overview, whose first step leads to the roadmap.
  await page.getByTestId('setup-goal').getByRole('link').click();
  assert.equal(await page.getByTestId('tab-roadmap').getAttribute('aria-selected'), 'true');

  await page.getByTestId('goal').fill('Become the coffee Moscow and New York start their mornings with');
  const theme = page.getByTestId('theme-2027-Q1');
  // A textarea grows with its text (six lines: six rows), so nothing typed is cut off.
  await theme.fill('one\ntwo\nthree\nfour\nfive\nsix');
  await eventually(() => theme.getAttribute('rows'), (r) => r === '6', { what: 'the theme grown to its six lines' });
  await theme.fill('Launch the winter blend in both markets');

  await page.getByTestId('add-campaign-open-2027-Q1').locator('summary').click();
  const add = page.getByTestId('add-campaign-2027-Q1');
  await add.getByLabel('Title').fill('Spring drop');
  await add.getByLabel('Market').selectOption('RU');
  await add.getByLabel('Starts').fill('2027-02-01');
  await add.getByLabel('Ends').fill('2027-02-28');
  await add.getByRole('button', { name: 'Add campaign' }).click();
  await add.getByLabel('Title').fill('Coffee rituals series');
  await add.getByLabel('Market').selectOption('US');
  await add.getByRole('button', { name: 'Add campaign' }).click();

  assert.deepEqual(await campaignTitles(page, '2027-Q1'), ['Spring drop', 'Coffee rituals series']);
  await page.getByRole('button', { name: 'Move “Coffee rituals series” up' }).click();
  assert.deepEqual(await campaignTitles(page, '2027-Q1'), ['Coffee rituals series', 'Spring drop']);
  await page.getByTestId('save-state').getByText('Saved in this browser').waitFor();

  await page.reload();
  await page.getByTestId('partnership-title').waitFor();
  assert.equal(await page.getByTestId('theme-2027-Q1').inputValue(), 'Launch the winter blend in both markets');
  assert.equal(await page.getByTestId('goal').inputValue(), 'Become the coffee Moscow and New York start their mornings with');
  assert.deepEqual(await campaignTitles(page, '2027-Q1'), ['Coffee rituals series', 'Spring drop']);
  const spring = page.locator('[data-testid="campaigns-2027-Q1"] [data-testid="campaign"]').nth(1);
  assert.equal(await spring.getByTestId('campaign-market').inputValue(), 'RU');
  assert.equal(await spring.getByTestId('campaign-starts').inputValue(), '2027-02-01');
  assert.equal(await spring.getByTestId('campaign-ends').inputValue(), '2027-02-28');

  // Done, a campaign reads as one line once the roadmap is drawn again; it opens to edit.
  await spring.getByTestId('campaign-status').selectOption('done');
  await page.getByTestId('save-state').getByText('Saved in this browser').waitFor();
  assert.equal(await spring.getByTestId('campaign-title').isVisible(), true, 'not folded under the hands that marked it');
  await page.reload();
  await page.getByTestId('partnership-title').waitFor();
  const done = page.locator('[data-testid="campaigns-2027-Q1"] [data-testid="campaign"]').nth(1);
  const line = done.getByTestId('campaign-fold').locator('summary');
  assert.match(await line.innerText(), /Spring drop\s+RU\s+Feb 1, 2027 – Feb 28, 2027\s+Done/);
  assert.equal(await done.getByTestId('campaign-title').isVisible(), false, 'folded to its line');
  await line.click();
  assert.equal(await done.getByTestId('campaign-title').inputValue(), 'Spring drop');
  assert.equal(await page.getByTestId('timeline-RU').getByTestId('timeline-bar').getAttribute('data-status'), 'done');

  await page.screenshot({ path: join(OUTPUT, 'roadmap.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(OUTPUT, 'roadmap-phone.png'), fullPage: false });

  await page.goto(relay.url);
  const card = page.getByTestId('partnership-card');
  await card.waitFor();
  assert.match(await card.innerText(), /Northwind Coffee × Маша Петрова/);
  assert.match(await card.innerText(), /RU · US/);
  await page.screenshot({ path: join(OUTPUT, 'home.png') });

  assert.deepEqual(errors, [], 'the page logged no errors');
  await context.close();
});
