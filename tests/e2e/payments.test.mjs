// Journey: money and dates both sides see (issue #22). The brand plans a quarter's
// payments from its SOW (a split and net-30 terms), marks one paid; the creator, in another
// browser, sees it paid; the unpaid one is not late on its due day and is late the next
// (page clock), on the Payments tab and in "This week" on the home page. The calendar
// export holds the payment; the owner's calendar feed serves it until it is revoked.
// Photographed at 1280 and 390 px, in English and Russian.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, inviteLink, openLink,
  setName, OUTPUT,
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

const rows = (page) => page.getByTestId('payment').evaluateAll((xs) => xs.map((x) => ({
  title: x.querySelector('[data-testid="payment-title"]').innerText,
  status: x.querySelector('[data-testid="payment-status-chip"]').innerText,
  late: !!x.querySelector('[data-testid="payment-late"]'),
})));

async function leave(page, testid, value) {
  await page.getByTestId(testid).fill(value);
  await page.getByTestId(testid).press('Tab');
}

test('payments planned from the SOW, paid on one side, seen on the other, late the day after due', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.clock.setFixedTime(new Date('2027-02-11T10:00:00'));
  const errors = watchErrors(page);
  try {
    const id = await createPartnership(page, relay.url, 'Northwind', 'Маша', { tab: 'agreement' });
    await setName(page, 'Anna', 'brand');
    await leave(page, 'term-start', '2027-01-12');
    await page.getByTestId('tab-sow').click();
    await leave(page, 'comp-amount', '1000');
    await page.locator('#comp-currency').selectOption('USD');
    await leave(page, 'payment-split', '50% on signing, 50% after the last post');
    await leave(page, 'sow-payment-terms', 'net 30');
    await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();

    await page.getByTestId('tab-payments').click();
    await page.getByTestId('plan-payments-2027-Q1').click();
    await eventually(() => rows(page), (r) => r.length === 2, { what: 'two planned payments' });
    assert.deepEqual(await rows(page), [
      { title: '50% on signing — $500.00 (2027-Q1)', status: 'Expected', late: false },
      { title: '50% after the last post — $500.00 (2027-Q1)', status: 'Expected', late: false },
    ]);
    assert.equal(await page.getByTestId('plan-payments-2027-Q1').count(), 0, 'planned once');
    // Signing on 12 Jan, net 30: due 11 Feb (today), so not late yet.
    const signing = page.getByTestId('payment').first();
    assert.equal(await signing.locator('input[type="date"]').first().inputValue(), '2027-02-11');

    // The brand marks the second paid: the date is today's unless they change it.
    const second = page.getByTestId('payment').nth(1);
    await second.getByTestId('payment-status').selectOption('paid');
    await eventually(() => rows(page), (r) => r[1]?.status === 'Paid', { what: 'marked paid' });
    assert.equal(await second.locator('input[id^="pay-paid-on-"]').inputValue(), '2027-02-11');
    await page.getByTestId('creator-tax').selectOption('us_person');
    await second.getByTestId('payment-doc-w9').check();
    await eventually(() => page.getByTestId('payment-totals').innerText(),
      (t) => t.includes('$500.00\t$500.00\t$0.00'), { what: 'paid, due and late totals' });

    // The creator sees the same ledger.
    const creator = await openLink(browser, await inviteLink(page, relay.url, id, 'editor'));
    await creator.page.clock.setFixedTime(new Date('2027-02-11T18:00:00'));
    await creator.page.getByTestId('tab-payments').click();
    await eventually(() => rows(creator.page), (r) => r.length === 2 && r[1].status === 'Paid' && !r[0].late,
      { timeout: 15000, what: 'the creator sees the payment paid' });
    assert.equal(await creator.page.getByTestId('payment').nth(1).getByTestId('payment-doc-w9').isChecked(), true);

    // The next day the unpaid one is late, on both sides, and on the home page.
    await page.clock.setFixedTime(new Date('2027-02-12T09:00:00'));
    await page.reload();
    await page.getByTestId('tab-payments').click();
    await eventually(() => rows(page), (r) => r[0]?.late === true && r[1]?.late === false, { what: 'late the day after' });
    assert.match(await page.getByTestId('payment-totals').innerText(), /\$500\.00\t\$0\.00\t\$500\.00/);
    await page.screenshot({ path: join(OUTPUT, 'payments-en-1280.png'), fullPage: true });

    await page.goto(`${relay.url}/`);
    const week = page.getByTestId('this-week');
    await week.waitFor();
    const line = week.getByTestId('week-line').filter({ hasText: 'Payment due: 50% on signing — $500.00' });
    assert.equal(await line.count(), 1, await week.innerText());
    assert.match(await line.innerText(), /Overdue/);
    assert.equal(await line.getByRole('link').getAttribute('href'), `/p/${id}#tab-payments`);
    await page.screenshot({ path: join(OUTPUT, 'payments-home-en-1280.png'), fullPage: true });
    await line.getByRole('link').click();
    assert.equal(await page.getByTestId('tab-payments').getAttribute('aria-selected'), 'true');

    // The calendar: the export and the owner's feed hold the payment due.
    await page.getByTestId('export-menu').locator('summary').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-ics').click()]);
    const ics = await readFile(await download.path(), 'utf8');
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
    assert.match(ics, /DTSTART;VALUE=DATE:20270211\r\n/);
    assert.match(ics, /Payment due: 50% on signing/);
    await page.getByTestId('export-menu').locator('summary').click();
    await page.getByTestId('share-toggle').click();
    await page.getByTestId('feed-create').click();
    const feedUrl = await page.getByTestId('feed-url').inputValue();
    assert.match(feedUrl, /\/calendar\/[^/]+\.ics$/);
    const feed = await fetch(feedUrl);
    assert.equal(feed.status, 200);
    assert.match(await feed.text(), /UID:payment-[0-9a-f]{32}@/);
    await page.getByTestId('feed-revoke').first().click();
    await eventually(async () => (await fetch(feedUrl)).status, (s) => s === 404, { what: 'a revoked feed stops' });

    // Both sides, both languages, a phone.
    await creator.page.clock.setFixedTime(new Date('2027-02-12T18:00:00'));
    await creator.page.reload();
    await creator.page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
    await creator.page.getByTestId('tab-payments').click();
    await eventually(() => rows(creator.page), (r) => r[0]?.late === true && r[1]?.status === 'Оплачен',
      { what: 'the creator sees it late, in Russian' });
    assert.match(await creator.page.getByTestId('payment-late').innerText(), /Просрочено/);
    await creator.page.screenshot({ path: join(OUTPUT, 'payments-ru-1280.png'), fullPage: true });
    await creator.page.setViewportSize({ width: 390, height: 844 });
    await creator.page.screenshot({ path: join(OUTPUT, 'payments-ru-390.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(OUTPUT, 'payments-en-390.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `nothing wider than a phone (${overflow}px)`);
    assert.deepEqual(creator.errors, []);
    await creator.context.close();
    assert.deepEqual(errors, []);
  } finally {
    await page.screenshot({ path: join(OUTPUT, 'payments-last.png'), fullPage: true }).catch(() => {});
    await context.close();
  }
});
