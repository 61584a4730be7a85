// Sharing by link across browser contexts: an editor co-edits, a viewer watches live and
// cannot edit, a revoked creator is told so and keeps a readable copy, a recovery key
// makes another device an owner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, OUTPUT, openLink, confirmJoin,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const theme = (page) => page.getByTestId('theme-2027-Q1').inputValue();

/** Makes a link through the owner's Share panel; returns the URL it shows. */
async function makeLink(page, { role = 'editor', label = '', recovery = false } = {}) {
  const panel = page.getByTestId('share-panel');
  if (!(await panel.evaluate((d) => d.open))) await page.getByTestId('share-toggle').click();
  const shown = page.getByTestId('made-link');
  const before = (await shown.count()) ? await shown.inputValue() : '';
  if (recovery) {
    await page.getByTestId('create-recovery-key').click();
  } else {
    await page.getByTestId('link-role').selectOption(role);
    await page.getByTestId('link-label').fill(label);
    await page.getByTestId('create-link').click();
  }
  return eventually(async () => ((await shown.count()) ? shown.inputValue() : ''),
    (v) => v.includes('/join#') && v !== before, { timeout: 10000, what: 'the link is shown' });
}

test('an editor co-edits, a viewer watches read-only, a revoked creator keeps a readable copy', async () => {
  const relay = await startRelay();
  const contexts = [];
  const open = async (link) => {
    const opened = await openLink(browser, link);
    contexts.push(opened.context);
    return opened;
  };
  try {
    const brandContext = await browser.newContext();
    contexts.push(brandContext);
    const brand = await brandContext.newPage();
    const brandErrors = watchErrors(brand);
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await brand.getByTestId('theme-2027-Q1').fill('Winter launch');
    await eventually(() => brand.getByTestId('role').innerText(), (t) => t.includes('You own'),
      { timeout: 10000, what: 'registered as owner' });

    // The brand makes an editor link for the creator; the secret is in the fragment.
    const editorLink = await makeLink(brand, { role: 'editor', label: 'Маша, Studio North' });
    assert.match(editorLink, new RegExp(`^${relay.url}/join#[0-9a-f]{16}\\.[0-9a-f]{64}$`));
    const creator = await open(editorLink);
    assert.equal(new URL(creator.page.url()).pathname, `/p/${id}`);
    assert.equal(await creator.page.getByTestId('role').getAttribute('data-role'), 'editor');
    assert.equal(await theme(creator.page), 'Winter launch');
    // An editor has no share panel: the overview's "invite" step says who sends links.
    await creator.page.getByTestId('tab-overview').click();
    assert.equal(await creator.page.getByTestId('setup-invite').getByRole('link').count(), 0);
    assert.match(await creator.page.getByTestId('setup-invite').innerText(), /the owner sends the link/);
    await creator.page.getByTestId('tab-roadmap').click();

    // Both co-edit.
    await creator.page.getByTestId('goal').fill('Grow RU reach with Reels');
    await eventually(() => brand.getByTestId('goal').inputValue(), (g) => g === 'Grow RU reach with Reels',
      { timeout: 5000, what: 'the brand sees the creator edit' });
    await brand.getByTestId('theme-2027-Q1').fill('Winter launch — RU first');
    await eventually(() => theme(creator.page), (t) => t === 'Winter launch — RU first',
      { timeout: 5000, what: 'the creator sees the brand edit' });

    // A viewer sees edits live and cannot edit.
    const viewerLink = await makeLink(brand, { role: 'viewer', label: 'Finance' });
    const viewer = await open(viewerLink);
    assert.equal(await viewer.page.getByTestId('role').getAttribute('data-role'), 'viewer');
    assert.match(await viewer.page.getByTestId('role').innerText(), /View only/);
    assert.equal(await viewer.page.getByTestId('editable').getAttribute('data-read-only'), 'true');
    assert.ok(await viewer.page.getByTestId('theme-2027-Q1').isDisabled(), 'the theme cannot be edited');
    assert.ok(await viewer.page.getByTestId('goal').isDisabled(), 'the goal cannot be edited');
    await brand.getByTestId('theme-2027-Q1').fill('Spring launch');
    await eventually(() => theme(viewer.page), (t) => t === 'Spring launch',
      { timeout: 5000, what: 'the viewer sees the edit live' });
    await viewer.page.screenshot({ path: join(OUTPUT, 'sharing-viewer.png'), fullPage: true });

    // The Share panel lists both links; the brand revokes the creator's.
    const rows = brand.getByTestId('link-row');
    await eventually(() => rows.count(), (n) => n === 2, { what: 'two links listed' });
    await brand.screenshot({ path: join(OUTPUT, 'sharing-panel.png'), fullPage: true });
    const creatorRow = rows.filter({ hasText: 'Маша, Studio North' });
    const revokedAt = Date.now();
    await creatorRow.getByTestId('revoke-link').click();
    await eventually(() => creatorRow.getAttribute('data-status'), (s) => s === 'revoked', { what: 'shown as revoked' });
    await creator.page.getByTestId('access-ended').waitFor({ timeout: 5000 });
    const seconds = (Date.now() - revokedAt) / 1000;
    console.log(`the creator saw the revocation after ${seconds.toFixed(1)} s`);
    assert.match(await creator.page.getByTestId('access-ended').innerText(), /revoked/);
    assert.equal(await theme(creator.page), 'Spring launch', 'the local copy stays readable');
    assert.ok(await creator.page.getByTestId('theme-2027-Q1').isDisabled(), 'and read-only');
    await creator.page.screenshot({ path: join(OUTPUT, 'sharing-revoked.png'), fullPage: true });

    // An edit by the brand no longer reaches the creator; the viewer still gets it.
    await brand.getByTestId('theme-2027-Q1').fill('After revocation');
    await eventually(() => theme(viewer.page), (t) => t === 'After revocation', { what: 'the viewer still syncs' });
    assert.equal(await theme(creator.page), 'Spring launch');

    // After a reload the creator still has the copy and the notice.
    await creator.page.reload();
    await creator.page.getByTestId('partnership-title').waitFor();
    await creator.page.getByTestId('access-ended').waitFor();
    assert.equal(await theme(creator.page), 'Spring launch');

    // The revoked link no longer lets anyone in.
    const late = await browser.newContext();
    contexts.push(late);
    const latePage = await late.newPage();
    await latePage.goto(editorLink);
    await latePage.getByTestId('join-error').waitFor({ timeout: 10000 });
    assert.match(await latePage.getByTestId('join-error').innerText(), /revoked/);
    assert.ok(!latePage.url().includes('#'), 'the secret is taken out of the address bar');

    // A recovery key makes another device an owner.
    const key = await makeLink(brand, { recovery: true });
    const phone = await open(key);
    assert.equal(await phone.page.getByTestId('role').getAttribute('data-role'), 'owner');
    await phone.page.getByTestId('share-panel').waitFor();

    // The phone makes a link; the brand's panel says who made each link, and that this one
    // came through the recovery key — revoking the key revokes it too.
    await makeLink(phone.page, { role: 'viewer', label: 'Made on the phone' });
    // Closed and opened again, the panel asks the relay for its links anew (one click
    // each, apart: a quick close-and-open is one `toggle` event, with no change).
    await brand.getByTestId('share-toggle').click();
    await eventually(() => brand.getByTestId('share-panel').evaluate((d) => d.open), (o) => !o, { what: 'the panel closed' });
    await brand.waitForTimeout(100);
    await brand.getByTestId('share-toggle').click();
    const phoneRow = rows.filter({ hasText: 'Made on the phone' });
    await eventually(() => phoneRow.count(), (n) => n === 1, { timeout: 10000, what: "the phone's link listed for the brand" });
    assert.equal(await phoneRow.getByTestId('link-made-by').innerText(), "another owner's device, through “Recovery key”");
    assert.equal(await rows.filter({ hasText: 'Маша, Studio North' }).getByTestId('link-made-by').innerText(), 'you, in this browser');
    const keyRow = rows.filter({ hasText: 'Owner (recovery key)' });
    await keyRow.getByTestId('revoke-link').click();
    await eventually(() => phoneRow.getAttribute('data-status'), (st) => st === 'revoked',
      { timeout: 10000, what: 'the link made through the key is revoked with it' });

    assert.deepEqual(brandErrors, []);
    assert.deepEqual(viewer.errors, []);
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    await relay.stop();
  }
});

test('a link pasted on the home page joins too, and a mangled one is explained', async () => {
  const relay = await startRelay();
  try {
    const brandContext = await browser.newContext();
    const brand = await brandContext.newPage();
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await eventually(() => brand.getByTestId('role').innerText(), (t) => t.includes('You own'),
      { timeout: 10000, what: 'registered as owner' });
    const link = await makeLink(brand, { role: 'viewer', label: 'Pasted' });

    const otherContext = await browser.newContext();
    const other = await otherContext.newPage();
    const errors = watchErrors(other);
    await other.goto(relay.url);
    await other.getByTestId('join-link').fill('not a link');
    await other.getByRole('button', { name: 'Open' }).click();
    await other.getByText('That is not a Tandem link or recovery key').waitFor();
    await other.getByTestId('join-link').fill(`  ${link}  `);
    await other.getByRole('button', { name: 'Open' }).click();
    await confirmJoin(other); // the join page asks first (issue #16)
    await other.getByTestId('partnership-title').waitFor({ timeout: 15000 });
    assert.equal(new URL(other.url()).pathname, `/p/${id}`);
    assert.equal(await other.getByTestId('role').getAttribute('data-role'), 'viewer');
    assert.deepEqual(errors, []);
    await otherContext.close();
    await brandContext.close();
  } finally {
    await relay.stop();
  }
});
