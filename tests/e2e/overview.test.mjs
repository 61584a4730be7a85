// Journey: a new partnership opens on its overview with a setup checklist; each step's
// link leads to where it is done and is ticked from the document once it is; the overview
// lists what falls due in date order (the page clock set to 10 Feb 2027), flags what is
// overdue, shows each market's verdict with its reason on focus and the health; the page
// title names the partnership and the tab; home shows the next deadline. In English and
// Russian, photographed at 1280 and 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, setName, OUTPUT,
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

const step = (page, id) => page.getByTestId(`setup-${id}`);
const done = (page, id) => step(page, id).getAttribute('data-done');
const obligations = (page) => page.getByTestId('obligation').evaluateAll((xs) => xs.map((x) => ({
  date: x.dataset.date, overdue: x.dataset.overdue === 'true', text: x.querySelector('.what').innerText,
})));

test('the overview: setup ticked from the document, obligations in date order, overdue flagged, verdicts and health', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.clock.setFixedTime(new Date('2027-02-10T10:00:00'));
  const errors = watchErrors(page);
  try {
    await createPartnership(page, relay.url, 'Northwind', 'Маша', { tab: null });

    // A new partnership opens on the overview, every setup step open.
    await page.getByTestId('overview').waitFor();
    assert.equal(await page.getByTestId('tab-overview').getAttribute('aria-selected'), 'true');
    assert.equal(await page.getByTestId('setup-progress').innerText(), '0 of 6 done');
    for (const id of ['goal', 'first-quarter', 'agreement-term', 'sow', 'kpis', 'invite']) {
      assert.equal(await done(page, id), 'false', `${id} starts open`);
    }
    await eventually(() => page.title(), (t) => t === 'Northwind × Маша — Overview — Tandem', { what: 'the page title' });
    assert.equal(await page.getByTestId('overview-quarter').innerText(), 'Now: 2027-Q1 Jan 1, 2027 – Mar 31, 2027');

    await setName(page, 'Anna', 'brand');
    // The goal step leads to the roadmap, focus on its tab; written, it is ticked.
    await step(page, 'goal').getByRole('link').click();
    assert.equal(await page.getByTestId('tab-roadmap').getAttribute('aria-selected'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-roadmap');
    assert.equal(await page.title(), 'Northwind × Маша — Roadmap — Tandem');
    await page.getByTestId('goal').fill('Grow RU and US sales together');
    await page.getByTestId('goal').blur();
    await page.getByTestId('add-campaign-open-2027-Q1').locator('summary').click();
    const form = page.getByTestId('add-campaign-2027-Q1');
    await form.getByLabel('Title').fill('Spring drop');
    await form.getByLabel('Market').selectOption('RU');
    await form.getByRole('button', { name: 'Add campaign' }).click();
    await page.getByTestId('timeline-bar').waitFor();
    assert.equal(await page.getByTestId('timeline-RU').getByTestId('timeline-bar').count(), 1, 'the campaign in the RU lane');
    assert.equal(await page.getByTestId('timeline-US').getByTestId('timeline-bar').count(), 0);

    // The agreement's term: checkpoints and the notice window become obligations.
    await page.getByTestId('tab-agreement').click();
    await page.getByTestId('term-start').fill('2027-01-01');
    await page.getByTestId('term-start').press('Tab');
    await page.getByTestId('term-end').fill('2027-12-31');
    await page.getByTestId('term-end').press('Tab');
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();

    await page.getByTestId('tab-overview').click();
    for (const id of ['goal', 'first-quarter', 'agreement-term']) assert.equal(await done(page, id), 'true', `${id} ticked`);
    assert.equal(await page.getByTestId('setup-progress').innerText(), '3 of 6 done');
    assert.equal(await page.getByTestId('overview-goal').innerText(), 'Grow RU and US sales together');
    assert.equal(await page.getByTestId('overview-quarter').innerText(), 'Now: 2027-Q1 Jan 1, 2027 – Mar 31, 2027');
    assert.deepEqual((await obligations(page)).map(({ date, overdue, text }) => [date, overdue, text]), [
      ['2027-02-10', false, 'Next check-in'],
      ['2027-04-01', false, 'Continue/stop checkpoint'],
      ['2027-11-01', false, 'The renewal notice window opens'],
      ['2027-12-01', false, 'Last day to give notice of non-renewal'],
      ['2027-12-31', false, 'The agreement\'s term ends'],
    ]);
    // The owner's "invite" step opens the share panel, the focus on its button.
    await step(page, 'invite').getByRole('link').click();
    assert.equal(await page.getByTestId('share-panel').evaluate((d) => d.open), true);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'share-toggle');
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('share-panel').evaluate((d) => d.open), false, 'Escape closes it');
    await page.getByTestId('tab-overview').click();
    // An obligation's link opens its tab.
    await page.getByTestId('obligation').nth(1).getByRole('link').click();
    assert.equal(await page.getByTestId('tab-agreement').getAttribute('aria-selected'), 'true');

    // A check-in three weeks ago: the next one was due on 3 Feb, so it is overdue.
    await page.getByTestId('tab-checkins').click();
    const log = page.getByTestId('log-checkin');
    // Attendees and owners are picked from the partnership's people (here, whoever edited).
    assert.equal(await log.getByTestId('checkin-brand').getAttribute('list'), 'partnership-people');
    assert.deepEqual(await page.locator('#partnership-people option').evaluateAll((os) => os.map((o) => o.value)), ['Anna']);
    await log.getByTestId('checkin-date').fill('2027-01-20');
    await log.getByTestId('checkin-summary').fill('Kick-off');
    await log.getByTestId('add-checkin').click();
    await page.getByTestId('checkin').waitFor();
    await page.getByTestId('tab-overview').click();
    const first = (await obligations(page))[0];
    assert.deepEqual(first, { date: '2027-02-03', overdue: true, text: 'Next check-in' });
    assert.equal(await page.getByTestId('obligation').first().locator('.badge').innerText(), 'OVERDUE');
    assert.equal(await page.getByTestId('overview-health').getAttribute('data-state'), 'due');
    assert.match(await page.getByTestId('overview-health').innerText(), /last contact 21 days ago; a check-in was due on Feb 3, 2027/);

    // Each market's verdict, its reason shown when the chip has focus.
    const ru = page.getByTestId('overview-verdict-RU');
    assert.equal(await ru.getAttribute('data-verdict'), 'not enough data');
    const reason = page.locator('#verdict-reason-RU');
    assert.equal(await reason.isVisible(), false);
    await ru.focus();
    assert.equal(await reason.isVisible(), true);
    assert.match(await reason.innerText(), /no KPIs set for RU/);
    assert.equal(await ru.getAttribute('aria-describedby'), 'verdict-reason-RU');
    await page.screenshot({ path: join(OUTPUT, 'overview-en-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'fits a phone');
    await page.screenshot({ path: join(OUTPUT, 'overview-en-390.png'), fullPage: true });

    // The next day the same obligations stand; the overdue check-in is still first.
    await page.clock.setFixedTime(new Date('2027-02-11T10:00:00'));
    await page.reload();
    await page.getByTestId('overview').waitFor();
    assert.deepEqual((await obligations(page))[0], { date: '2027-02-03', overdue: true, text: 'Next check-in' });

    // In Russian.
    await page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
    await eventually(() => page.getByTestId('obligation').first().innerText(), (t) => /3 февр\. 2027/.test(t) && /Следующая встреча/.test(t),
      { what: 'the obligations in Russian' });
    assert.equal(await page.title(), 'Northwind × Маша — Сводка — Tandem');
    assert.equal(await page.getByTestId('setup-progress').innerText(), 'Сделано 3 из 6');
    await page.screenshot({ path: join(OUTPUT, 'overview-ru-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(OUTPUT, 'overview-ru-1280.png'), fullPage: true });
    await page.getByTestId('lang-switch').locator('[data-lang="en"]').click();

    // Home: the card shows the current quarter, the verdicts and the next deadline;
    // focus moves to the page's heading.
    await page.getByRole('link', { name: 'Partnerships' }).click();
    await page.getByTestId('partnership-card').waitFor();
    await eventually(() => page.evaluate(() => document.activeElement?.tagName), (t) => t === 'H1', { what: 'focus on the heading' });
    assert.equal(await page.title(), 'Your partnerships — Tandem');
    const card = page.getByTestId('partnership-card');
    assert.match(await card.getByTestId('card-next').innerText(), /Feb 3, 2027 — Next check-in/);
    assert.equal(await card.getByTestId('card-next').getAttribute('data-overdue'), 'true');
    assert.match(await card.getByTestId('card-verdicts').innerText(), /2027-Q1/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an empty home offers to start a partnership', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(relay.url);
    await page.getByTestId('empty-new-partnership').click();
    await page.waitForURL(/\/new$/);
    await eventually(() => page.evaluate(() => document.activeElement?.tagName), (t) => t === 'H1', { what: 'focus on the new page\'s heading' });
  } finally {
    await context.close();
  }
});

test('the first edit by someone without a name asks for it, without taking the focus', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    await createPartnership(page, relay.url, 'Northwind', 'Маша', { tab: null });
    await page.getByTestId('overview').waitFor();
    assert.equal(await page.getByTestId('my-name').count(), 0, 'not asked before anything is edited');
    await page.getByTestId('tab-roadmap').click();
    await page.getByTestId('goal').pressSequentially('Grow', { delay: 20 });
    await page.getByTestId('my-name').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'goal', 'the focus stays in the goal');
    // Closed without a name, that is the answer: not asked again, even after a reload.
    await page.getByTestId('presence').locator('summary').click();
    await page.getByTestId('goal').pressSequentially(' RU', { delay: 20 });
    await page.reload();
    await page.getByTestId('goal').pressSequentially(' sales', { delay: 20 });
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();
    assert.equal(await page.getByTestId('presence').evaluate((d) => d.open), false, 'asked once per browser');
    await page.getByTestId('presence').locator('summary').click();
    await page.getByTestId('my-name').fill('Anna');
    await page.getByTestId('name-form').getByRole('button', { name: 'Save' }).click();
    assert.match(await page.getByTestId('presence').innerText(), /You appear as Anna \(brand\)/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
