// A quarterly business review: both sides add what they bring, the pack is generated from
// the partnership's data, downloaded as Markdown and saved as a PDF through print.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, addCampaign, inviteLink, openLink, OUTPUT,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('a QBR pack from both sides, as Markdown and as a PDF', async () => {
  const relay = await startRelay();
  try {
    const context = await browser.newContext({ acceptDownloads: true });
    const brand = await context.newPage();
    const errors = watchErrors(brand);
    const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
    await brand.getByTestId('theme-2027-Q1').fill('Winter launch');
    await addCampaign(brand, '2027-Q1', 'Spring drop', 'RU');
    await brand.getByTestId('tab-qbr').click();
    await brand.getByTestId('quarter-picker').selectOption('2027-Q1');
    await brand.getByTestId('qbr-budget').fill('100000');
    await brand.getByTestId('qbr-budget').press('Tab');
    await brand.getByTestId('new-risk').fill('Reels reach is falling');
    await brand.getByTestId('new-risk-owner').fill('Маша');
    await brand.getByTestId('qbr-risks').getByRole('button', { name: 'Add risk' }).click();
    await brand.getByTestId('new-action').fill('Send the Q2 brief');
    await brand.getByTestId('new-action-owner').fill('Anna');
    await brand.getByTestId('qbr-actions').getByRole('button', { name: 'Add action' }).click();
    await brand.getByTestId('qbr-brand-ask').fill('Drafts a week earlier');

    // The creator brings their side from another browser.
    const creator = await openLink(browser, await inviteLink(brand, relay.url, id, 'editor'));
    await creator.page.getByTestId('tab-qbr').click();
    await creator.page.getByTestId('quarter-picker').selectOption('2027-Q1');
    await creator.page.getByTestId('qbr-creator-commitment').fill('Two Reels a week in RU');

    const pack = brand.getByTestId('qbr-pack');
    await eventually(() => pack.innerText(), (t) => t.includes('Two Reels a week in RU'), { what: 'the creator\'s commitment in the pack' });
    const text = await pack.innerText();
    assert.match(text, /quarterly business review, 2027-Q1/);
    assert.match(text, /1 campaign: 0 done, 0 running, 1 planned/);
    assert.match(text, /Reels reach is falling\s+Маша/);
    assert.match(text, /Northwind asks: Drafts a week earlier/);
    assert.match(text, /Budget ₽100,000\.00, spent ₽0\.00: -100% — 100% under budget/);

    const [file] = await Promise.all([brand.waitForEvent('download'), brand.getByTestId('qbr-markdown').click()]);
    const mdPath = join(OUTPUT, 'qbr.md');
    await file.saveAs(mdPath);
    const md = readFileSync(mdPath, 'utf8');
    assert.match(md, /^# Northwind × Маша — quarterly business review, 2027-Q1/);
    assert.match(md, /## KPI scorecard/);
    assert.match(md, /- \*\*Маша commits to:\*\* Two Reels a week in RU/);

    await brand.getByTestId('qbr-print').click();
    await brand.getByTestId('printable').waitFor();
    assert.match(await brand.getByTestId('printable').innerText(), /Two Reels a week in RU/);
    await brand.emulateMedia({ media: 'print' });
    const pdf = join(OUTPUT, 'qbr.pdf');
    await brand.pdf({ path: pdf, format: 'A4' });
    assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
    await brand.emulateMedia({ media: 'screen' });
    await brand.goBack();
    await brand.getByTestId('partnership-title').waitFor();
    await brand.getByTestId('tab-qbr').click();
    await brand.screenshot({ path: join(OUTPUT, 'qbr.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await creator.context.close();
    await context.close();
  } finally {
    await relay.stop();
  }
});
