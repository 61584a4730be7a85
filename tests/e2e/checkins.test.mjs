// Check-ins and health: two check-ins logged, the health with its reason, and the home
// page ordering partnerships by the attention they need.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, OUTPUT, setName, inviteLink, openLink,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const daysAgo = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);

async function logCheckin(page, { date, summary, channel = 'Call', next = '' }) {
  const form = page.getByTestId('log-checkin');
  await form.getByTestId('checkin-date').fill(date);
  await form.getByTestId('checkin-channel').fill(channel);
  await form.getByTestId('checkin-brand').fill('Anna');
  await form.getByTestId('checkin-creator').fill('Маша');
  await form.getByTestId('checkin-summary').fill(summary);
  await form.getByTestId('checkin-next').fill(next);
  await form.getByTestId('add-checkin').click();
}

test('check-ins give a health with its reason, and home shows who needs attention first', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);

    const quiet = await createPartnership(page, relay.url, 'Quiet Brand', 'Creator Q');
    await page.getByTestId('tab-checkins').click();
    await logCheckin(page, { date: daysAgo(70), summary: 'Kick-off' });
    await eventually(() => page.getByTestId('health').getAttribute('data-state'), (s) => s === 'silent', { what: 'silent' });
    assert.match(await page.getByTestId('health').innerText(), /last contact 70 days ago; a check-in was due on/);

    await createPartnership(page, relay.url, 'New Brand', 'Creator N');
    await page.getByTestId('tab-checkins').click();
    assert.equal(await page.getByTestId('health').getAttribute('data-state'), 'due');
    assert.match(await page.getByTestId('health').innerText(), /no check-in logged yet/);

    await createPartnership(page, relay.url, 'Busy Brand', 'Creator B');
    await page.getByTestId('tab-checkins').click();
    await logCheckin(page, { date: daysAgo(20), summary: 'Q1 planning', channel: 'Zoom' });
    await eventually(() => page.getByTestId('health').getAttribute('data-state'), (s) => s === 'due', { what: 'due after 20 days' });
    await logCheckin(page, { date: daysAgo(3), summary: 'Spring drop review', next: 'Send the brief' });
    await eventually(() => page.getByTestId('health').getAttribute('data-state'), (s) => s === 'healthy', { what: 'healthy' });
    assert.match(await page.getByTestId('health').innerText(), /last contact 3 days ago; next check-in by/);
    assert.deepEqual(await page.getByTestId('checkin').evaluateAll((li) => li.map((l) => l.querySelector('p + p').innerText)),
      ['Spring drop review', 'Q1 planning'], 'newest first');
    // A longer cadence changes the verdict on the older contact too.
    await page.getByTestId('cadence').fill('30');
    await page.getByTestId('cadence').press('Tab');
    await eventually(() => page.getByTestId('health').innerText(), (t) => t.includes('next check-in by'), { what: 'cadence applied' });
    await page.screenshot({ path: join(OUTPUT, 'checkins.png'), fullPage: true });

    await page.goto(relay.url);
    const cards = page.getByTestId('partnership-card');
    await eventually(() => cards.count(), (n) => n === 3, { what: 'three partnerships' });
    const order = await cards.evaluateAll((cs) => cs.map((c) => [c.querySelector('.title').innerText, c.querySelector('[data-testid="card-health"]').dataset.state]));
    assert.deepEqual(order, [
      ['Quiet Brand × Creator Q', 'silent'],
      ['New Brand × Creator N', 'due'],
      ['Busy Brand × Creator B', 'healthy'],
    ]);
    assert.ok(quiet);
    await page.screenshot({ path: join(OUTPUT, 'home-attention.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await relay.stop();
  }
});

test('a win added on one side shows on the other, with who added it', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext();
    const brand = await context.newPage();
    const errors = watchErrors(brand);
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await setName(brand, 'Anna', 'brand');
    await brand.getByTestId('tab-wins').click();
    await brand.getByTestId('new-win').fill('First 100k views on the Spring drop');
    await brand.getByRole('button', { name: 'Add win' }).click();
    await brand.getByTestId('win').first().waitFor();

    const creator = await openLink(browser, await inviteLink(brand, relay.url, id, 'viewer'));
    await creator.page.getByTestId('tab-wins').click();
    const win = creator.page.getByTestId('win').first();
    await win.waitFor();
    assert.match(await win.innerText(), /First 100k views on the Spring drop\s+Added by Anna \(brand\)/);
    assert.ok(await creator.page.getByTestId('new-win').isDisabled(), 'a viewer cannot add wins');
    assert.deepEqual(errors, []);
    await creator.context.close();
    await context.close();
  } finally {
    await relay.stop();
  }
});
