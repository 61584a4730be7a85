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
const TABS = ['overview', 'roadmap', 'agreement', 'sow', 'kpis', 'debriefs', 'checkins', 'people', 'wins', 'qbr', 'history'];
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

/** Photographs the screen and adds what is wrong with it to `problems`. */
async function look(page, screen, lang, width, problems) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(OUTPUT, `a11y-${screen}-${lang}-${width}.png`), fullPage: true });
  const where = `${screen} (${lang}, ${width} px)`;
  for (const v of await violations(page)) problems.push(`${where}: ${v}`);
  if (await overflowsSideways(page)) problems.push(`${where}: wider than the screen`);
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
      const link = await inviteLink(page, relay.url, id, 'editor', 'For Masha');
      if (lang === 'ru') await page.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
      for (const [width, height] of WIDTHS) {
        await page.setViewportSize({ width, height });
        for (const tab of TABS) {
          await page.getByTestId(`tab-${tab}`).click();
          await look(page, tab, lang, width, problems);
        }
      }
      await page.goto(relay.url);
      await page.getByTestId('new-partnership').waitFor();
      for (const [width, height] of WIDTHS) {
        await page.setViewportSize({ width, height });
        await look(page, 'home', lang, width, problems);
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
