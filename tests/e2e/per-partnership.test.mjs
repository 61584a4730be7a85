// One partnership's changes reach only the screens showing it: a partner typing into
// partnership B, which this browser also holds, changes nothing of partnership A's page
// (not one DOM mutation), while a partner's change to A itself does show there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRelay, launchBrowser, watchErrors, createPartnership, inviteLink, openLink, addCampaign,
  campaignTitles, eventually,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const synced = (page) => eventually(() => page.getByTestId('sync-state').innerText(),
  (t) => t === 'All changes are on the relay', { timeout: 15000, what: 'every change is on the relay' });

test('a remote keystroke into partnership B changes nothing of partnership A\'s page', async () => {
  const relay = await startRelay();
  const context = await browser.newContext();
  const guests = [];
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    const a = await createPartnership(page, relay.url, 'Northwind', 'Маша');
    await synced(page);
    const b = await createPartnership(page, relay.url, 'Contoso', 'Studio Ivanov');
    await synced(page);
    const onB = await openLink(browser, await inviteLink(page, relay.url, b));
    const onA = await openLink(browser, await inviteLink(page, relay.url, a));
    guests.push(onA, onB);

    // This browser shows A in one tab and B in another (to see when B's change arrived).
    await page.goto(`${relay.url}/p/${a}#tab-roadmap`);
    await page.getByTestId('editable').and(page.locator('[data-read-only="false"]')).waitFor();
    await synced(page);
    const bTab = await context.newPage();
    await bTab.goto(`${relay.url}/p/${b}#tab-roadmap`);
    await bTab.getByTestId('editable').and(bTab.locator('[data-read-only="false"]')).waitFor();
    await page.evaluate(() => {
      window.__mutations = [];
      new MutationObserver((list) => {
        for (const m of list) {
          const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
          window.__mutations.push(`${m.type} in ${el?.closest('[data-testid]')?.dataset.testid ?? el?.tagName}`);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });

    // The partner types into B, a keystroke a change.
    await onB.page.getByTestId('goal').pressSequentially('typed into B', { delay: 30 });
    await eventually(() => bTab.getByTestId('goal').inputValue(), (v) => v === 'typed into B',
      { timeout: 15000, what: 'B\'s change reached this browser' });
    await page.waitForTimeout(1000);
    assert.deepEqual(await page.evaluate(() => window.__mutations), []);

    // The observer is live: a partner's change to A itself shows on A's page.
    await addCampaign(onA.page, '2027-Q1', 'Spring launch');
    await eventually(() => campaignTitles(page, '2027-Q1'), (t) => t.includes('Spring launch'),
      { timeout: 15000, what: 'A\'s change reached A\'s page' });
    assert.ok((await page.evaluate(() => window.__mutations.length)) > 0);
    assert.deepEqual(errors, []);
  } finally {
    for (const g of guests) await g.context.close();
    await context.close();
    await relay.stop();
  }
});
