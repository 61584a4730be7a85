// Journey: a deliverable from first draft to live (issue #21). The creator submits a draft;
// the brand approves it with corrections and one must-fix item; the creator answers it and
// submits v2; the brand approves. The erid is entered and the gate passes, so "live" is
// offered; the creator edits the caption and the erid goes stale, so it is not; the brand
// publishes with a recorded reason. Both sides see the same state, in English and Russian.
// Photographed at 1280 and 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, inviteLink, openLink,
  setName, confirmJoin, OUTPUT,
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

async function leave(locator, value) {
  await locator.fill(value);
  await locator.press('Tab');
}

const states = (page) => page.getByTestId('version-state').allInnerTexts();
const gate = (page) => page.getByTestId('gate-item').evaluateAll((xs) => Object.fromEntries(xs.map((x) => [x.dataset.kind, x.dataset.status])));
const liveOffered = (page) => page.getByTestId('deliverable-status').locator('option[value="live"]').count();

async function openDrafts(page) {
  const drafts = page.getByTestId('drafts');
  await drafts.waitFor();
  if (!(await drafts.evaluate((d) => d.open))) await drafts.locator('summary').click();
}

test('a draft reviewed in rounds, the erid, a stale caption and publishing over the gate', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const brand = await context.newPage();
  await brand.clock.setFixedTime(new Date('2026-12-01T10:00:00'));
  const errors = watchErrors(brand);
  let creator;
  try {
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша', { tab: 'agreement' });
    await setName(brand, 'Anna', 'brand');
    await leave(brand.getByTestId('brand-legal'), 'ООО «Нортвинд»');
    await leave(brand.getByTestId('brand-inn'), '7701234567');
    await leave(brand.getByTestId('creator-audience'), '5000');
    await brand.getByTestId('tab-sow').click();
    await brand.getByTestId('quarter-picker').selectOption('2027-Q1');
    const add = brand.getByTestId('add-deliverable');
    await add.getByTestId('new-platform').fill('Telegram');
    await add.getByTestId('new-format').fill('post');
    await add.getByTestId('new-deliverable-market').selectOption('RU');
    await add.getByTestId('new-live-from').fill('2027-01-20');
    await add.locator('button[type="submit"]').click();
    await brand.getByTestId('deliverable').waitFor();

    // The creator submits the first draft.
    creator = await openLink(browser, await inviteLink(brand, relay.url, id, 'editor'));
    await creator.page.clock.setFixedTime(new Date('2026-12-01T18:00:00'));
    await setName(creator.page, 'Маша', 'creator');
    await creator.page.getByTestId('tab-sow').click();
    await creator.page.getByTestId('quarter-picker').selectOption('2027-Q1');
    await openDrafts(creator.page);
    await creator.page.getByTestId('draft-link').fill('https://drive.example.com/v1');
    await creator.page.getByTestId('draft-caption').fill('Новый вкус уже в продаже');
    await creator.page.getByTestId('draft-submit').click();
    await eventually(() => states(creator.page), (s) => s.length === 1 && s[0] === 'Waiting for review', { what: 'draft 1 waits' });

    // The brand asks for corrections with one must-fix item.
    await openDrafts(brand);
    await eventually(() => states(brand), (s) => s.length === 1, { timeout: 15000, what: 'the brand sees draft 1' });
    assert.match(await brand.getByTestId('review-due').innerText(), /Review due by .* \(UTC\)/);
    const form = brand.getByTestId('review-form').first();
    await form.getByTestId('review-outcome-pick').selectOption('approved_with_corrections');
    await form.getByTestId('review-must').fill('Show the logo in the first 3 seconds');
    await form.getByTestId('review-nice').fill('A warmer colour');
    await form.getByTestId('review-submit').click();
    await eventually(() => states(brand), (s) => s[0] === 'Approved with corrections', { what: 'reviewed' });

    // The creator sees it, answers the must-fix item and submits v2.
    const mustFix = creator.page.locator('[data-testid="feedback"][data-must-fix="true"]');
    await mustFix.waitFor({ timeout: 15000 });
    assert.match(await mustFix.innerText(), /Must fix\s+Show the logo in the first 3 seconds/);
    await mustFix.getByTestId('feedback-answer').selectOption('done');
    await creator.page.getByTestId('draft-link').fill('https://drive.example.com/v2');
    await creator.page.getByTestId('draft-caption').fill('Новый вкус — уже в продаже');
    await creator.page.getByTestId('draft-submit').click();
    await eventually(() => states(brand), (s) => s.length === 2 && s[1] === 'Waiting for review', { timeout: 15000, what: 'the brand sees v2' });
    assert.equal(await brand.locator('[data-testid="feedback"][data-must-fix="true"]').getByTestId('feedback-answer').inputValue(), 'done');

    // The brand approves v2: the deliverable is approved, the gate waits for the erid.
    const second = brand.getByTestId('version').nth(1);
    await second.getByTestId('review-submit').click();
    await eventually(() => states(brand), (s) => s[1] === 'Approved', { what: 'v2 approved' });
    await eventually(() => brand.getByTestId('deliverable-status').inputValue(), (v) => v === 'approved', { what: 'the deliverable approved' });
    assert.equal((await gate(brand)).erid, 'fail');
    assert.equal(await liveOffered(brand), 0, 'not live without an erid');

    // The erid and the label: every item passes and "live" is offered.
    await leave(brand.getByTestId('deliverable-erid'), '2VtzqwXYZ123');
    await brand.getByTestId('deliverable-reklama').check();
    await eventually(() => gate(brand), (g) => Object.values(g).every((s) => s !== 'fail'), { what: 'the gate passes' });
    assert.equal(await liveOffered(brand), 1);
    await brand.screenshot({ path: join(OUTPUT, 'review-en-1280.png'), fullPage: true });

    // The creator edits the caption after the erid: stale, and "live" is no longer offered.
    const caption = creator.page.getByTestId('version').nth(1).getByTestId('version-caption');
    await eventually(() => caption.inputValue(), (v) => v === 'Новый вкус — уже в продаже', { what: 'the caption on the creator side' });
    await leave(caption, 'Новый вкус — уже в продаже!');
    await eventually(() => gate(brand), (g) => g.erid === 'fail', { timeout: 15000, what: 'the erid goes stale on the brand side' });
    assert.match(await brand.locator('[data-testid="gate-item"][data-kind="erid"]').innerText(), /caption changed after the erid was issued/);
    assert.equal(await liveOffered(brand), 0);

    // Publishing anyway asks for the reason, which history and the row keep.
    await brand.getByTestId('override-text').fill('The operator re-issued the erid for the new text; the token follows');
    await brand.getByTestId('override-submit').click();
    await eventually(() => brand.getByTestId('deliverable-status').inputValue(), (v) => v === 'live', { what: 'live over the gate' });
    assert.match(await brand.getByTestId('override-reason').innerText(), /re-issued the erid/);
    await brand.getByTestId('tab-history').click();
    await eventually(() => brand.locator('[role="tabpanel"]').innerText(),
      (t) => /over the compliance gate/.test(t) && /reviewed draft 1/.test(t), { what: 'history names the review and the override' });

    // The creator sees the same, in Russian, on a desktop and a phone.
    await creator.page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
    await openDrafts(creator.page);
    await eventually(() => states(creator.page), (s) => s.join('|') === 'Согласовано с правками|Согласовано', { timeout: 15000, what: 'the same rounds in Russian' });
    await eventually(() => creator.page.getByTestId('override-reason').innerText(), (t) => t.startsWith('Опубликовано вопреки проверке'), { what: 'the override in Russian' });
    assert.equal(await creator.page.getByTestId('deliverable-status').inputValue(), 'live');
    await creator.page.screenshot({ path: join(OUTPUT, 'review-ru-1280.png'), fullPage: true });
    await creator.page.setViewportSize({ width: 390, height: 844 });
    await creator.page.screenshot({ path: join(OUTPUT, 'review-ru-390.png'), fullPage: true });
    const overflow = await creator.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const wide = await creator.page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((e) => {
        if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible') return false;
        }
        return true;
      })
      .slice(0, 8).map((e) => `${e.tagName}.${e.className} ${e.dataset.testid ?? ''} ${Math.round(e.getBoundingClientRect().right)}`));
    assert.ok(overflow <= 1, `nothing wider than a phone (${overflow}px): ${wide.join(', ')}`);
    assert.deepEqual(creator.errors, []);
    assert.deepEqual(errors, []);
  } finally {
    await brand.screenshot({ path: join(OUTPUT, 'review-last.png'), fullPage: true }).catch(() => {});
    await creator?.context.close();
    await context.close();
  }
});

test('brand-only notes reach a colleague on the brand side and never the creator', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const brand = await context.newPage();
  const errors = watchErrors(brand);
  const secret = 'We walk away above 300 000 ₽';
  let creator;
  let colleague;
  try {
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша', { tab: 'sow' });
    await setName(brand, 'Anna', 'brand');
    await brand.getByTestId('quarter-picker').selectOption('2027-Q1');
    const add = brand.getByTestId('add-deliverable');
    await add.getByTestId('new-platform').fill('YouTube');
    await add.getByTestId('new-format').fill('video');
    await add.locator('button[type="submit"]').click();
    await brand.getByTestId('deliverable').waitFor();
    creator = await openLink(browser, await inviteLink(brand, relay.url, id, 'editor'));
    await setName(creator.page, 'Маша', 'creator');

    // The owner starts the notes and writes one; it is kept across a reload.
    await openDrafts(brand);
    await brand.getByTestId('start-notes').click();
    await brand.getByTestId('note-text').fill(secret);
    await brand.getByTestId('note-add').click();
    await eventually(() => brand.getByTestId('note').allInnerTexts(), (n) => n.length === 1 && n[0].includes(secret), { what: 'the note shows' });
    await brand.reload();
    await brand.getByTestId('tab-sow').click();
    await brand.getByTestId('quarter-picker').selectOption('2027-Q1');
    await openDrafts(brand);
    await eventually(() => brand.getByTestId('note').allInnerTexts(), (n) => n.length === 1 && n[0].includes(secret), { timeout: 15000, what: 'the note after a reload' });
    await brand.getByTestId('brand-notes').screenshot({ path: join(OUTPUT, 'brand-notes-en.png') });

    // A colleague on the brand's side gets the partnership and the notes' own link.
    await brand.getByTestId('notes-colleague').fill('Ivan');
    await brand.getByTestId('share-notes').click();
    const notesLink = await brand.getByTestId('notes-link').inputValue();
    assert.match(notesLink, /\/join#/);
    colleague = await openLink(browser, await inviteLink(brand, relay.url, id, 'editor', 'Ivan', 'brand'));
    await colleague.page.goto(notesLink);
    await confirmJoin(colleague.page);
    await colleague.page.getByTestId('notes-page').waitFor({ timeout: 15000 });
    await colleague.page.getByTestId('notes-parent').click();
    await colleague.page.getByTestId('quarter-picker').selectOption('2027-Q1');
    await openDrafts(colleague.page);
    await eventually(() => colleague.page.getByTestId('note').allInnerTexts(), (n) => n.length === 1 && n[0].includes(secret), { timeout: 15000, what: 'the colleague reads the note' });
    // The colleague answers; the owner, typing a note of its own meanwhile, sees it arrive
    // without losing what it typed.
    await brand.getByTestId('note-text').fill('Half-typed');
    await colleague.page.getByTestId('note-text').fill('Agreed: 280 000 ₽ at most');
    await colleague.page.getByTestId('note-add').click();
    await eventually(() => brand.getByTestId('note').allInnerTexts(), (n) => n.length === 2 && n[1].includes('Agreed: 280 000 ₽ at most'), { timeout: 15000, what: 'the owner sees the answer' });
    assert.equal(await brand.getByTestId('note-text').inputValue(), 'Half-typed');
    // The owner sees whom it gave the notes and takes them back: the colleague keeps
    // its copy, read-only.
    const row = brand.getByTestId('notes-link-row');
    assert.match(await row.innerText(), /Ivan/);
    await row.getByTestId('revoke-notes-link').click();
    await eventually(() => row.innerText(), (t) => /Revoked/.test(t), { what: 'the notes link revoked' });
    await eventually(() => colleague.page.getByTestId('note-add').isDisabled(), (d) => d, { timeout: 15000, what: 'the colleague can no longer add notes' });
    await brand.getByTestId('brand-notes').screenshot({ path: join(OUTPUT, 'brand-notes-shared-en.png') });

    // The creator, syncing the same partnership all along, has no notes and no sign of them.
    await creator.page.getByTestId('tab-sow').click();
    await creator.page.getByTestId('quarter-picker').selectOption('2027-Q1');
    await openDrafts(creator.page);
    assert.equal(await creator.page.getByTestId('brand-notes').count(), 0);
    assert.ok(!(await creator.page.locator('body').innerText()).includes(secret));
    // Nor in its browser's storage: it holds one document, the partnership.
    const held = await creator.page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('tandem');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const keys = db.transaction('documents').objectStore('documents').getAllKeys();
        keys.onsuccess = () => { db.close(); resolve([...new Set(keys.result.map((k) => k[0]))]); };
        keys.onerror = () => reject(keys.error);
      };
    }));
    assert.deepEqual(held, [id], `the creator's browser holds only the partnership: ${held}`);
    assert.deepEqual(creator.errors, []);
    // (The browser logs the relay's 403 when the colleague's revoked access is checked.)
    assert.deepEqual(colleague.errors.filter((e) => !/status of 403/.test(e)), []);
    assert.deepEqual(errors, []);
  } finally {
    await creator?.context.close();
    await colleague?.context.close();
    await context.close();
  }
});
