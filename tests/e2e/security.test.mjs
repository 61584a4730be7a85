// Web security: the relay's headers, and hostile text typed into every field a partner
// can edit — on both sides of a sync nothing executes, and it all shows as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, addCampaign, inviteLink, openLink,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const PAYLOADS = [
  '<script>window.__xss = "script"; alert(1)</script>',
  '<img src=x onerror="window.__xss = \'img\'; alert(2)">',
  'javascript:window.__xss = "js"; alert(3)',
];
const TABS = ['roadmap', 'agreement', 'sow', 'kpis', 'qbr'];

/** Nothing ran: no flag, no dialog. */
async function clean(page, dialogs) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no payload executed');
  assert.deepEqual(dialogs, [], 'no dialog opened');
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'no injected element');
}

test('the relay sends CSP, nosniff, no-referrer and no framing', async () => {
  const relay = await startRelay();
  try {
    const response = await fetch(`${relay.url}/p/anything`);
    const csp = response.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    // The app runs under that policy without a single violation.
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(relay.url);
    await page.getByTestId('new-partnership').waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await relay.stop();
  }
});

test('script, img onerror and javascript: payloads in every editable field execute nowhere', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext();
    const brand = await context.newPage();
    const dialogs = [];
    brand.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    const id = await createPartnership(brand, relay.url, 'Northwind <b>', '<img src=x onerror=alert(9)>');
    await addCampaign(brand, '2027-Q1', PAYLOADS[0], 'RU');
    let filled = 0;
    for (const tab of TABS) {
      await brand.getByTestId(`tab-${tab}`).click();
      const fields = brand.locator('[role="tabpanel"] textarea:visible, [role="tabpanel"] input[type="text"]:visible');
      const count = await fields.count();
      for (let i = 0; i < count; i++) {
        const field = fields.nth(i);
        if (await field.isDisabled() || !(await field.isEditable())) continue;
        await field.fill(PAYLOADS[i % PAYLOADS.length]);
        await field.press('Tab').catch(() => {});
        filled++;
      }
    }
    console.log(`payloads typed into ${filled} fields`);
    assert.ok(filled >= 20, `most fields were exercised (${filled})`);
    // Submit the forms that turn text into lists (a deliverable, a risk) so they render too.
    await brand.getByTestId('tab-qbr').click();
    await brand.getByTestId('new-risk').fill(PAYLOADS[1]);
    await brand.getByTestId('qbr-risks').getByRole('button', { name: 'Add risk' }).click();
    await brand.waitForTimeout(500);
    await clean(brand, dialogs);

    // The other side receives all of it through the relay, and nothing runs there either.
    const creator = await openLink(browser, await inviteLink(brand, relay.url, id, 'editor'));
    const creatorDialogs = [];
    creator.page.on('dialog', (d) => { creatorDialogs.push(d.message()); d.dismiss().catch(() => {}); });
    await eventually(() => creator.page.locator('[data-testid="campaign-title"]').first().inputValue().catch(() => ''),
      // The title is an editable field too now, so the loop above typed a payload over it.
      (v) => PAYLOADS.includes(v), { what: 'the payload arrived as text' });
    for (const tab of TABS) {
      await creator.page.getByTestId(`tab-${tab}`).click();
      await creator.page.waitForTimeout(200);
    }
    await creator.page.getByTestId('tab-history').click();
    await creator.page.waitForTimeout(200);
    await creator.page.goto(`${relay.url}/`);
    await creator.page.getByTestId('partnership-card').first().waitFor();
    assert.match(await creator.page.getByTestId('partnership-card').first().innerText(), /<img src=x onerror=alert\(9\)>/);
    await clean(creator.page, creatorDialogs);
    await clean(brand, dialogs);
    await creator.context.close();
    await context.close();
  } finally {
    await relay.stop();
  }
});
