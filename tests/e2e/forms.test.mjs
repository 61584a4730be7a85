// Journeys: nothing typed is lost (payment split and terms, a contact left mid-field),
// defaults that read as hints (typing 30 gives 30), warnings and refusals at the field
// (a notice longer than the term, a campaign ending before it starts), and Undo that
// brings back the same campaign on both sides of a sync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, createPartnership, addCampaign, eventually, OUTPUT,
  inviteLink, openLink,
} from './support.mjs';

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

async function fresh(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const id = await createPartnership(page, relay.url, 'Northwind', 'Маша');
  return { context, page, errors, id };
}

/** Types into a field as a person does (click, keys), then leaves it. */
async function typeInto(page, testId, text) {
  await page.getByTestId(testId).click();
  // Replace what the field holds (a zone is prefilled with the browser's own).
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
  await page.keyboard.press('Tab');
}

/** The message under a field, as its aria-describedby names it (or null). */
async function describedBy(page, testId) {
  return page.getByTestId(testId).evaluate((el) => {
    const id = el.getAttribute('aria-describedby');
    const note = id && document.getElementById(id);
    return note ? note.innerText : null;
  });
}

test('payment split and terms survive a reload and reach the export', async () => {
  const { context, page, errors } = await fresh();
  try {
    await page.getByTestId('tab-sow').click();
    await typeInto(page, 'payment-split', '30% on signing, 70% after the last post');
    await typeInto(page, 'sow-payment-terms', 'within 14 days of invoice');
    await typeInto(page, 'comp-amount', '150000');
    await page.reload();
    await page.getByTestId('tab-sow').click();
    assert.equal(await page.getByTestId('payment-split').inputValue(), '30% on signing, 70% after the last post');
    assert.equal(await page.getByTestId('sow-payment-terms').inputValue(), 'within 14 days of invoice');
    assert.equal(await page.getByTestId('comp-amount').inputValue(), '150,000.00', 'grouped as English writes amounts');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a contact typed and not left stays after a reload; a refused one asks before leaving', async () => {
  const { context, page, errors } = await fresh();
  try {
    await page.getByTestId('tab-people').click();
    await page.getByTestId('contact-brand-name').click();
    await page.keyboard.type('Анна Смирнова');
    // No Tab, no button: the page is reloaded mid-field after a pause in typing.
    await page.waitForTimeout(1500);
    await page.reload();
    await page.getByTestId('tab-people').click();
    assert.equal(await page.getByTestId('contact-brand-name').inputValue(), 'Анна Смирнова');

    // A zone that is not one: refused at the field, kept there, and leaving asks first.
    await typeInto(page, 'contact-brand-zone', 'Mars/Olympus');
    assert.equal(await page.getByTestId('contact-brand-zone').getAttribute('aria-invalid'), 'true');
    assert.match(await describedBy(page, 'contact-brand-zone'), /not an IANA time zone/);
    let asked = null;
    page.once('dialog', async (d) => { asked = d.type(); await d.dismiss(); });
    await page.reload({ timeout: 3000 }).catch(() => {});
    await eventually(() => asked, (a) => a === 'beforeunload', { what: 'the page asks before leaving' });
    assert.equal(await page.getByTestId('contact-brand-zone').inputValue(), 'Mars/Olympus', 'still in the field');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('typing 30 into a notice field gives 30, and a notice longer than the term is flagged at the field', async () => {
  const { context, page, errors } = await fresh();
  try {
    await page.getByTestId('tab-agreement').click();
    // The default is shown (30); clicking in and typing replaces it.
    assert.equal(await page.getByTestId('renewal-notice').inputValue(), '30');
    await typeInto(page, 'renewal-notice', '45');
    await typeInto(page, 'renewal-notice', '30');
    assert.equal(await page.getByTestId('renewal-notice').inputValue(), '30');
    await page.reload();
    await page.getByTestId('tab-agreement').click();
    assert.equal(await page.getByTestId('renewal-notice').inputValue(), '30', 'stored as 30, not 3030');
    assert.equal(await page.getByTestId('renewal-notice').getAttribute('type'), 'number');
    assert.equal(await page.getByTestId('renewal-notice').getAttribute('max'), '3650');

    // A quarter-long term and a 200-day notice: saved, but flagged beside the field.
    await page.getByTestId('term-start').fill('2027-01-01');
    await page.getByTestId('term-end').fill('2027-03-31');
    assert.equal(await describedBy(page, 'renewal-notice'), null, 'nothing to flag yet');
    await typeInto(page, 'termination-notice', '200');
    await eventually(() => describedBy(page, 'termination-notice'), (t) => /longer than the whole term \(89 days\)/.test(t ?? ''),
      { what: 'the warning under the termination notice' });
    assert.equal(await page.getByTestId('termination-notice').getAttribute('aria-invalid'), null, 'a warning, not a refusal');
    assert.equal(await page.getByTestId('termination-notice').inputValue(), '200');
    await page.screenshot({ path: join(OUTPUT, 'forms-notice-warning.png'), fullPage: true });

    // The same in Russian.
    await page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
    await eventually(() => describedBy(page, 'termination-notice'), (t) => /дольше всего срока договора/.test(t ?? ''),
      { what: 'the warning in Russian' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('"Add campaign" with the end before the start focuses the end date, its message in view', async () => {
  const { context, page, errors } = await fresh({ width: 390, height: 700 });
  try {
    for (const title of ['One', 'Two', 'Three']) await addCampaign(page, '2027-Q1', title, 'RU');
    const form = page.getByTestId('add-campaign-2027-Q1');
    await form.getByLabel('Title').fill('Backwards');
    await form.getByLabel('Starts').fill('2027-03-01');
    await form.getByLabel('Ends').fill('2027-02-01');
    await page.evaluate(() => window.scrollTo(0, 0));
    await form.getByRole('button', { name: 'Add campaign' }).click();
    const ends = form.getByLabel('Ends');
    await eventually(() => page.evaluate(() => document.activeElement?.id), (id) => id === 'new-ends-2027-Q1',
      { what: 'focus on the end date' });
    assert.equal(await ends.getAttribute('aria-invalid'), 'true');
    assert.equal(await ends.getAttribute('aria-describedby'), 'new-ends-2027-Q1-message');
    const note = page.locator('#new-ends-2027-Q1-message');
    assert.equal(await note.innerText(), 'The end date (Feb 1, 2027) is before the start date (Mar 1, 2027).');
    await eventually(() => note.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }), (inView) => inView, { what: 'the message inside the viewport' });
    await page.screenshot({ path: join(OUTPUT, 'forms-campaign-error-390.png') });
    assert.deepEqual(await page.locator('[data-testid="campaigns-2027-Q1"] [data-testid="campaign-title"]')
      .evaluateAll((xs) => xs.map((x) => x.value)), ['One', 'Two', 'Three'], 'nothing added');

    // Russian: the same refusal in Russian, the dates as Russian writes them.
    await page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
    // Switching the language draws the page anew; the draft of the "add" form stays.
    const formRu = page.getByTestId('add-campaign-2027-Q1');
    assert.equal(await formRu.getByLabel('Название', { exact: true }).inputValue(), 'Backwards');
    assert.equal(await formRu.getByLabel('Начало', { exact: true }).inputValue(), '2027-03-01');
    assert.equal(await formRu.getByLabel('Конец', { exact: true }).inputValue(), '2027-02-01');
    await page.getByTestId('add-campaign-button-2027-Q1').click();
    await eventually(() => page.locator('#new-ends-2027-Q1-message').innerText().catch(() => ''),
      (t) => t === 'Дата окончания (1 февр. 2027\u00a0г.) раньше даты начала (1 мар. 2027\u00a0г.).',
      { what: 'the refusal in Russian' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('what is typed into an "add" form survives a tab switch, a change of language and a reload, and leaving asks first', async () => {
  const { context, page, errors } = await fresh();
  try {
    // A check-in being written, a deliverable being described.
    await page.getByTestId('tab-checkins').click();
    await page.getByTestId('checkin-summary').fill('Agreed the spring brief');
    await page.getByTestId('checkin-channel').fill('call');
    const mark = page.getByTestId('log-checkin').getByTestId('draft-mark');
    assert.equal(await mark.innerText(), 'Not added yet: kept in this browser until you add it.');
    await page.getByTestId('log-checkin').screenshot({ path: join(OUTPUT, 'forms-draft-mark.png') });
    await page.getByTestId('tab-sow').click();
    await page.getByTestId('new-platform').fill('Telegram');
    await page.getByTestId('tab-roadmap').click();
    await page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
    await page.getByTestId('tab-checkins').click();
    assert.equal(await page.getByTestId('checkin-summary').inputValue(), 'Agreed the spring brief');
    assert.equal(await page.getByTestId('checkin-channel').inputValue(), 'call');
    await page.getByTestId('tab-sow').click();
    assert.equal(await page.getByTestId('new-platform').inputValue(), 'Telegram');

    // Leaving with a draft asks first; staying keeps it.
    const asked = [];
    page.on('dialog', (d) => { asked.push(d.type()); d.dismiss().catch(() => {}); });
    await page.reload({ timeout: 3000 }).catch(() => {});
    await eventually(() => asked, (a) => a.includes('beforeunload'), { what: 'the browser asked before leaving' });
    assert.equal(await page.getByTestId('new-platform').inputValue(), 'Telegram', 'staying keeps the draft');

    // Leaving anyway (a reload, confirmed) does not lose it either: drafts are kept in
    // this browser until the item is added.
    page.removeAllListeners('dialog');
    page.on('dialog', (d) => { asked.push(d.type()); d.accept().catch(() => {}); });
    await page.reload();
    await page.getByTestId('partnership-title').waitFor();
    await page.getByTestId('tab-sow').click();
    assert.equal(await page.getByTestId('new-platform').inputValue(), 'Telegram', 'the draft after a reload');
    await page.getByTestId('tab-checkins').click();
    assert.equal(await page.getByTestId('checkin-summary').inputValue(), 'Agreed the spring brief');
    await page.getByTestId('tab-sow').click();

    // Once the check-in is logged, nothing is pending and leaving does not ask.
    await page.getByTestId('new-platform').fill('');
    await page.getByTestId('tab-checkins').click();
    await page.getByTestId('log-checkin').locator('button[type="submit"]').click();
    await page.getByTestId('checkin').waitFor();
    assert.equal(await page.getByTestId('checkin-summary').inputValue(), '', 'the form is empty again');
    assert.equal(await mark.count(), 0, 'no longer marked as not added');
    asked.length = 0;
    await page.reload();
    await page.getByTestId('partnership-title').waitFor();
    assert.deepEqual(asked, [], 'nothing was pending');
    await page.getByTestId('tab-checkins').click();
    assert.equal(await page.getByTestId('checkin-summary').inputValue(), '', 'an added item leaves no draft behind');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('removing a campaign then Undo brings back the same campaign (same id) on both sides', async () => {
  const { context, page, errors, id } = await fresh();
  try {
    await addCampaign(page, '2027-Q1', 'Spring drop', 'RU');
    await addCampaign(page, '2027-Q1', 'Reels series', 'US');
    const link = await inviteLink(page, relay.url, id, 'editor');
    const other = await openLink(browser, link);
    const ids = (p) => p.locator('[data-testid="campaigns-2027-Q1"] [data-testid="campaign"]')
      .evaluateAll((xs) => xs.map((x) => `${x.dataset.campaignId}:${x.querySelector('[data-testid="campaign-title"]').value}`));
    const before = await eventually(() => ids(other.page), (xs) => xs.length === 2, { timeout: 10000, what: 'both campaigns reach the other side' });
    assert.deepEqual(await ids(page), before);

    await page.getByTestId('campaign').first().getByTestId('remove').click();
    const toast = page.getByTestId('undo-toast');
    await toast.waitFor();
    assert.match(await toast.innerText(), /Removed “Spring drop”/);
    await eventually(() => ids(other.page), (xs) => xs.length === 1, { timeout: 10000, what: 'the removal reaches the other side' });
    await page.screenshot({ path: join(OUTPUT, 'forms-undo-toast.png') });
    await toast.getByTestId('undo').click();
    await eventually(() => ids(page), (xs) => JSON.stringify(xs) === JSON.stringify(before), { what: 'the same campaign back, in its place' });
    await eventually(() => ids(other.page), (xs) => JSON.stringify(xs) === JSON.stringify(before),
      { timeout: 10000, what: 'the same campaign (same id) back on the other side' });
    assert.deepEqual(errors, []);
    assert.deepEqual(other.errors, []);
    await other.context.close();
  } finally {
    await context.close();
  }
});

test('the Undo offer goes after a few seconds', async () => {
  const { context, page, errors } = await fresh();
  try {
    await addCampaign(page, '2027-Q1', 'Spring drop', 'RU');
    await page.getByTestId('campaign').first().getByTestId('remove').click();
    await page.getByTestId('undo-toast').waitFor();
    await page.getByTestId('undo-toast').waitFor({ state: 'detached', timeout: 12000 });
    assert.equal(await page.getByTestId('campaign').count(), 0, 'the removal stands');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
