// Journey: every screen passes axe-core (WCAG 2 A and AA rules) at a desktop and a phone
// width, in English and in Russian — the home page, the sync-server setting, the join
// page a share link opens, and every tab of a partnership with rows in it — and each is
// photographed into test-results/ (a11y-<screen>-<lang>-<width>.png) to be looked at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, createPartnership, addCampaign, inviteLink, OUTPUT, ROOT,
} from './support.mjs';

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const TABS = ['overview', 'roadmap', 'agreement', 'sow', 'payments', 'kpis', 'debriefs', 'checkins', 'people', 'wins', 'qbr', 'history'];
const WIDTHS = [[1280, 900], [390, 844]];

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

/** axe-core's WCAG 2 A/AA violations on the page as it is, in words. */
async function violations(page) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (a
  // script tag would be refused by it, rightly).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  return found;
}

/** Whether anything sticks out sideways (a phone would scroll the whole page). */
async function overflowsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

/**
 * Dates in the page's text written other than as the interface language writes them:
 * ISO (2027-02-01) or a browser's numeric locale format (12/1/2026). Inputs aside.
 */
async function strayDates(page) {
  return page.evaluate(() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('code, script, style, option, datalist, .sr-only') || !el.getClientRects().length) continue;
      const m = n.textContent.match(/\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\/\d{1,2}\/\d{4}\b/);
      if (m) found.push(`a date written ${m[0]} in “${n.textContent.trim().slice(0, 80)}”`);
    }
    return found;
  });
}

/** Photographs the screen and adds what is wrong with it to `problems`. */
async function look(page, screen, lang, width, problems) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(OUTPUT, `a11y-${screen}-${lang}-${width}.png`), fullPage: true });
  const where = `${screen} (${lang}, ${width} px)`;
  for (const v of await violations(page)) problems.push(`${where}: ${v}`);
  if (await overflowsSideways(page)) problems.push(`${where}: wider than the screen`);
  for (const d of await strayDates(page)) problems.push(`${where}: ${d}`);
}

for (const lang of ['en', 'ru']) {
  test(`every screen passes axe and fits a phone (${lang})`, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const problems = [];
    try {
      const id = await createPartnership(page, relay.url, 'Northwind', 'Маша');
      await addCampaign(page, '2027-Q1', 'Spring drop', 'RU');
      await addCampaign(page, '2027-Q1', 'Launch', 'US');
      // Dated rows on every tab that has them, so dates and times are seen as written.
      await page.getByTestId('tab-sow').click();
      const d = page.getByTestId('add-deliverable');
      await d.getByTestId('new-platform').fill('Telegram');
      await d.getByTestId('new-format').fill('post');
      await d.getByTestId('new-deliverable-market').selectOption('RU');
      await d.locator('input[type="date"]').first().fill('2027-02-10');
      await d.locator('button[type="submit"]').click();
      await page.getByTestId('deliverable').waitFor();
      // The deliverable's drafts panel, with the brand's own notes started and one note.
      await page.getByTestId('drafts').locator('summary').click();
      await page.getByTestId('start-notes').click();
      await page.getByTestId('note-text').fill('Too long an intro; ask for 15 s');
      await page.getByTestId('note-add').click();
      await page.getByTestId('note').waitFor();
      await page.getByTestId('tab-payments').click();
      const pay = page.getByTestId('add-payment');
      await pay.getByTestId('new-payment-label').fill('Fee');
      await pay.getByTestId('new-payment-amount').fill('500');
      await pay.getByTestId('new-payment-due').fill('2027-02-10');
      await pay.locator('button[type="submit"]').click();
      await page.getByTestId('payment').waitFor();
      await page.getByTestId('tab-checkins').click();
      const c = page.getByTestId('log-checkin');
      await c.getByTestId('checkin-date').fill('2027-01-20');
      await c.getByTestId('checkin-summary').fill('Kick-off');
      await c.locator('button[type="submit"]').click();
      await page.getByTestId('checkin').waitFor();
      await page.getByTestId('tab-wins').click();
      await page.locator('[data-draft] input, [data-draft] textarea').first().fill('First post out');
      await page.locator('[data-draft] button[type="submit"]').first().click();
      await page.getByTestId('win').waitFor();
      const link = await inviteLink(page, relay.url, id, 'editor', 'For Masha');
      if (lang === 'ru') await page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
      for (const [width, height] of WIDTHS) {
        await page.setViewportSize({ width, height });
        for (const tab of TABS) {
          await page.getByTestId(`tab-${tab}`).click();
          if (tab === 'sow') {
            const drafts = page.getByTestId('drafts');
            if (!(await drafts.evaluate((x) => x.open))) await drafts.locator('summary').click();
            await page.getByTestId('note').waitFor();
          }
          await look(page, tab, lang, width, problems);
        }
      }
      // The brand's notes opened by themselves (from the link that shares them).
      const notesId = await page.evaluate((parent) => new Promise((resolve, reject) => {
        const open = indexedDB.open('tandem');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const keys = open.result.transaction('documents').objectStore('documents').getAllKeys();
          keys.onsuccess = () => { open.result.close(); resolve(keys.result.map((k) => k[0]).find((d) => d !== parent)); };
          keys.onerror = () => reject(keys.error);
        };
      }), id);
      assert.ok(notesId, 'the notes are stored');
      await page.goto(`${relay.url}/p/${notesId}`);
      await page.getByTestId('notes-page').waitFor();
      for (const [width, height] of WIDTHS) {
        await page.setViewportSize({ width, height });
        await look(page, 'notes', lang, width, problems);
      }
      await page.goto(relay.url);
      await page.getByTestId('new-partnership').waitFor();
      for (const [width, height] of WIDTHS) {
        await page.setViewportSize({ width, height });
        await look(page, 'home', lang, width, problems);
      }
      // The form that starts a partnership.
      await page.goto(`${relay.url}/new`);
      await page.getByTestId('create-partnership').waitFor();
      for (const [width, height] of WIDTHS) {
        await page.setViewportSize({ width, height });
        await look(page, 'new', lang, width, problems);
      }
      // The sync-server setting, as a crafted link would open it (the warning showing).
      await page.goto(`${relay.url}/sync-server?relay=ws://127.0.0.1:9/sync`);
      await page.getByTestId('sync-server').waitFor();
      for (const [width, height] of WIDTHS) {
        await page.setViewportSize({ width, height });
        await look(page, 'sync-server', lang, width, problems);
      }

      // What a creator meets: the join page of a share link, in a fresh browser.
      const other = await browser.newContext({ locale: lang === 'ru' ? 'ru-RU' : 'en-US' });
      const creator = await other.newPage();
      await creator.goto(link);
      await creator.getByTestId('join-confirm').waitFor();
      for (const [width, height] of WIDTHS) {
        await creator.setViewportSize({ width, height });
        await look(creator, 'join', lang, width, problems);
      }
      await other.close();
      assert.deepEqual(problems, [], 'every screen passes axe and fits the width');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
