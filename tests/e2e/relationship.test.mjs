// Keeping the relationship alive, as both sides would: check-ins, a debrief whose learning
// shows up when the next campaign is planned, points of contact across time zones, the
// QBR saved as a PDF — and the whole interface in Russian, with no English left in it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, addCampaign, setName, campaignForm, OUTPUT,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** Logs a check-in through the Check-ins tab. */
async function logCheckin(page, date, summary) {
  const form = page.getByTestId('log-checkin');
  await form.getByTestId('checkin-date').fill(date);
  await form.getByTestId('checkin-channel').fill('Телеграм');
  await form.getByTestId('checkin-brand').fill('Анна');
  await form.getByTestId('checkin-creator').fill('Маша');
  await form.getByTestId('checkin-summary').fill(summary);
  await form.getByTestId('add-checkin').click();
}

/** Sets a side's point of contact on the People tab (each field is saved when it is left). */
async function saveContact(page, side, name, zone) {
  for (const [field, value] of [['name', name], ['zone', zone]]) {
    await page.getByTestId(`contact-${side}-${field}`).fill(value);
    await page.getByTestId(`contact-${side}-${field}`).press('Tab');
  }
  // Working hours are picked from times written as the interface writes them (24-hour in
  // Russian, whatever the browser's locale would do with a time input).
  for (const [field, value, shown] of [['start', '09:00', '09:00'], ['end', '18:00', '18:00']]) {
    const select = page.getByTestId(`contact-${side}-${field}`);
    await select.selectOption(value);
    if (await page.evaluate(() => document.documentElement.lang) === 'ru') {
      assert.equal(await select.locator('option:checked').innerText(), shown);
    }
  }
}

/** Words in Latin script that the Russian interface shows, beyond names and codes. */
async function englishLeft(page) {
  return page.evaluate(() => {
    const kept = new Set(['Tandem', 'KPI', 'SOW', 'QBR', 'CSV', 'PDF', 'Markdown', 'RU', 'US', 'RUB', 'USD',
      'EUR', 'ER', 'CPM', 'CPE', 'CPC', 'CPA', 'ROAS', 'ROI', 'RAG', 'erid', 'automerge', 'English', 'IANA', 'UTC',
      'Europe', 'Moscow', 'America', 'New', 'York', 'Los', 'Angeles', 'https', 'join', 'Q1', 'Q2', 'Q3', 'Q4']);
    const texts = [document.body.innerText];
    for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
      for (const a of ['placeholder', 'aria-label', 'title']) {
        const v = el.getAttribute(a);
        if (v) texts.push(v);
      }
    }
    // Addresses (the relay's, in the connection badge's title) are not words.
    const words = texts.join('\n').replace(/\w+:\/\/\S+/g, ' ').split(/[^A-Za-z0-9]+/)
      .filter((w) => (w.match(/[A-Za-z]/g) ?? []).length >= 2 && !kept.has(w));
    return [...new Set(words)];
  });
}

test('check-ins, a debrief carried to the next campaign, the meeting planner, the QBR as PDF, in Russian', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await createPartnership(page, relay.url, 'Нордвинд', 'Маша');
    await setName(page, 'Анна', 'brand');
    await addCampaign(page, '2027-Q1', 'Весенний дроп', 'RU');

    // Two check-ins; the log shows both, newest first, and the health says why.
    await page.getByTestId('tab-checkins').click();
    const today = new Date();
    const iso = (d) => d.toISOString().slice(0, 10);
    const daysAgo = (n) => iso(new Date(today.getTime() - n * 86_400_000));
    await logCheckin(page, daysAgo(20), 'Обсудили бриф весеннего дропа');
    await logCheckin(page, daysAgo(3), 'Согласовали черновик');
    await eventually(() => page.getByTestId('checkin').count(), (n) => n === 2, { what: 'two check-ins logged' });
    assert.equal(await page.getByTestId('health').getAttribute('data-state'), 'healthy');
    assert.match(await page.getByTestId('health').innerText(), /last contact 3 days ago/);

    // A debrief with a learning, and a win from it.
    await page.getByTestId('tab-debriefs').click();
    await page.getByTestId('debrief-outcome').getByLabel('exceeded').check();
    await page.getByTestId('debrief-worked').fill('Короткие вертикальные ролики');
    await page.getByTestId('new-issue-issue').fill('Черновик опоздал');
    await page.getByTestId('new-issue-cause').fill('Бриф пришёл поздно');
    await page.getByTestId('new-issue-effect').fill('Публикация сдвинулась на неделю');
    await page.getByTestId('add-issue').locator('button[type="submit"]').click();
    await eventually(() => page.getByTestId('debrief-issue').innerText(), (t) => t.includes('→ Бриф пришёл поздно →'),
      { what: 'issue → cause → effect listed' });
    await page.getByTestId('debrief-learnings').fill('Шортсы в RU работают лучше длинных роликов');
    await page.getByTestId('debrief-next').selectOption('refine');
    assert.equal(await page.getByTestId('debrief-win').getAttribute('placeholder'), 'Весенний дроп: exceeded');
    await page.getByTestId('debrief-win').fill('Весенний дроп превзошёл цели');
    await page.getByTestId('win-from-debrief').locator('button[type="submit"]').click();

    // Planning the next RU campaign shows that learning beside it; a US one does not.
    await page.getByTestId('tab-roadmap').click();
    const add = await campaignForm(page, '2027-Q2');
    await page.getByTestId('new-title-2027-Q2').fill('Летняя коллаборация');
    const learning = add.getByTestId('learning');
    await eventually(() => learning.count(), (n) => n === 1, { what: 'the learning beside the campaign being planned' });
    assert.match(await learning.innerText(), /Шортсы в RU работают лучше длинных роликов/);
    assert.match(await learning.innerText(), /Весенний дроп, 2027-Q1 — exceeded, refine/);
    await add.getByLabel('Market').selectOption('US');
    await eventually(() => add.getByTestId('learning').count(), (n) => n === 0, { what: 'no RU learning for a US campaign' });
    await add.getByLabel('Market').selectOption('RU');
    await add.getByRole('button', { name: 'Add campaign' }).click();
    // Once planned, the campaign keeps the learning beside it.
    const planned = page.getByTestId('campaigns-2027-Q2').getByTestId('campaign');
    await eventually(() => planned.getByTestId('learning').count(), (n) => n === 1, { what: 'the learning beside the planned campaign' });

    // The win from the debrief is on the wall, naming its campaign.
    await page.getByTestId('tab-wins').click();
    assert.match(await page.getByTestId('win').innerText(), /Весенний дроп превзошёл цели[\s\S]*Added by Анна \(brand\)[\s\S]*from the debrief of “Весенний дроп”/);

    // Points of contact in Moscow and New York overlap; with Los Angeles they never do.
    await page.getByTestId('tab-people').click();
    await saveContact(page, 'brand', 'Анна', 'Europe/Moscow');
    await saveContact(page, 'creator', 'Маша', 'America/New_York');
    await eventually(() => page.getByTestId('plan-day').count(), (n) => n >= 9, { what: 'two weeks of weekdays planned' });
    const kinds = await page.getByTestId('plan-day').evaluateAll((rows) => rows.map((r) => r.dataset.kind));
    assert.ok(kinds.every((k) => k === 'overlap'), `Moscow and New York overlap every weekday: ${kinds}`);
    assert.match(await page.getByTestId('local-times').innerText(), /Анна: \d\d:\d\d in Europe\/Moscow · Маша: \d\d:\d\d in America\/New_York/);
    await saveContact(page, 'creator', 'Маша', 'America/Los_Angeles');
    await page.getByTestId('no-overlap').waitFor();
    assert.match(await page.getByTestId('plan').innerText(), /No overlap\. Least bad:/);
    await saveContact(page, 'creator', 'Маша', 'Mars/Olympus');
    assert.match(await page.getByTestId('contact-creator').getByRole('alert').innerText(), /not an IANA time zone/);
    await saveContact(page, 'creator', 'Маша', 'America/New_York');

    // The QBR for 2027-Q1, saved as a PDF through the browser's print.
    await page.getByTestId('tab-qbr').click();
    await page.getByTestId('quarter-picker').selectOption('2027-Q1');
    await page.getByTestId('new-action').fill('Прислать бриф на Q2');
    await page.getByTestId('qbr-actions').locator('button[type="submit"]').click();
    await page.getByTestId('qbr-print').click();
    await page.getByTestId('printable').waitFor();
    assert.match(await page.getByTestId('printable').innerText(), /Прислать бриф на Q2/);
    await page.emulateMedia({ media: 'print' });
    const pdf = join(OUTPUT, 'relationship-qbr.pdf');
    await page.pdf({ path: pdf, format: 'A4' });
    assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
    await page.emulateMedia({ media: 'screen' });
    await page.goBack();
    await page.getByTestId('partnership-title').waitFor();

    // Now in Russian: every main screen, with no English left.
    await page.getByTestId('lang-switch').getByRole('button', { name: 'Русский' }).click();
    await eventually(() => page.evaluate(() => document.documentElement.lang), (l) => l === 'ru', { what: 'the page in Russian' });
    const found = {};
    for (const tab of ['roadmap', 'agreement', 'sow', 'kpis', 'debriefs', 'checkins', 'people', 'wins', 'qbr', 'history']) {
      await page.getByTestId(`tab-${tab}`).click();
      await page.locator('[role="tabpanel"]').waitFor();
      await page.screenshot({ path: join(OUTPUT, `ru-${tab}.png`), fullPage: true });
      const left = await englishLeft(page);
      if (left.length) found[tab] = left;
    }
    assert.deepEqual(found, {}, 'English words left in the Russian interface');
    assert.match(await page.getByTestId('tab-debriefs').innerText(), /Разборы/);
    await page.goto(relay.url);
    await page.getByTestId('partnership-card').first().waitFor();
    await page.screenshot({ path: join(OUTPUT, 'ru-home.png'), fullPage: true });
    assert.deepEqual(await englishLeft(page), [], 'English words left on the Russian home page');

    // Remembered for this browser across a reload; English again at a click.
    await page.reload();
    await page.getByTestId('partnership-card').first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
    await page.getByTestId('lang-switch').getByRole('button', { name: 'English' }).click();
    await eventually(() => page.evaluate(() => document.documentElement.lang), (l) => l === 'en', { what: 'back to English' });
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await relay.stop();
  }
});

test('a browser set to Russian opens Tandem in Russian', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext({ locale: 'ru-RU' });
    const page = await context.newPage();
    await page.goto(relay.url);
    await eventually(() => page.evaluate(() => document.documentElement.lang), (l) => l === 'ru', { what: 'Russian by default' });
    // Once the partnerships are open, home speaks Russian.
    await page.getByTestId('new-partnership').waitFor();
    assert.match(await page.locator('main').innerText(), /Ваши партнёрства/);
    assert.match(await page.getByTestId('new-partnership').innerText(), /Новое партнёрство/);
    assert.equal(await page.getByTestId('lang-switch').getByRole('button', { name: 'Русский' }).getAttribute('aria-pressed'), 'true');
    await context.close();
  } finally {
    await relay.stop();
  }
});

test('finding and ordering partnerships works for Cyrillic and Latin names alike', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await createPartnership(page, relay.url, 'Ёлочный базар', 'Маша');
    await createPartnership(page, relay.url, 'Northwind', 'Studio North');
    await createPartnership(page, relay.url, 'Алтай Кофе', 'Пётр');
    await page.goto(relay.url);
    const titles = () => page.getByTestId('partnership-card').locator('.title').allInnerTexts();
    await eventually(titles, (t) => t.length === 3, { what: 'three partnerships listed' });
    await page.getByTestId('find-partnership').fill('ЕЛОЧ');
    await eventually(titles, (t) => t.length === 1 && t[0].startsWith('Ёлочный'), { what: 'ё found as е, any case' });
    await page.getByTestId('find-partnership').fill('studio');
    await eventually(titles, (t) => t.length === 1 && t[0].startsWith('Northwind'), { what: 'Latin found in any case' });
    await page.getByTestId('find-partnership').fill('zzz');
    await page.getByText('Nothing matches “zzz”.').waitFor();
    await page.getByTestId('find-partnership').fill('');
    await page.getByTestId('sort-partnerships').selectOption('name');
    await eventually(titles, (t) => t.length === 3, { what: 'all three again' });
    assert.deepEqual((await titles()).map((t) => t.split(' × ')[0]), ['Northwind', 'Алтай Кофе', 'Ёлочный базар']);
    await context.close();
  } finally {
    await relay.stop();
  }
});
