// Export a partnership as a .automerge file and bring it back: into a browser that has
// never seen it (it keeps its id and syncs), merged into the same partnership, and a
// file that is not a partnership refused with the reason. Also interop: the file loads
// in the JavaScript @automerge/automerge, and a file built there imports into Tandem.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Automerge from '@automerge/automerge';
import {
  startRelay, launchBrowser, watchErrors, eventually, createPartnership, OUTPUT, inviteLink, confirmJoin, campaignForm,
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

async function openExportMenu(page) {
  if (!(await page.getByTestId('export-menu').evaluate((d) => d.open))) {
    await page.getByTestId('export-menu').locator('summary').click();
  }
}

/** Clicks one of the Export menu's downloads; returns the saved file's path. */
async function download(page, testId, ext) {
  await openExportMenu(page);
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = join(OUTPUT, `export-${Date.now()}.${ext}`);
  await file.saveAs(path);
  return { path, name: file.suggestedFilename() };
}

const exportFile = async (page) => (await download(page, 'export-automerge', 'automerge')).path;

async function importFile(page, path) {
  await page.goto(relay.url);
  await page.getByTestId('import-file').setInputFiles(path);
  const result = page.getByTestId('import-result');
  await result.waitFor();
  return result.innerText();
}

test('export, import elsewhere, merge back, refuse garbage, and JS interop', async () => {
  const owner = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const errors = watchErrors(owner);
  const id = await createPartnership(owner, relay.url, 'Northwind', 'Маша');
  await owner.getByTestId('theme-2027-Q1').fill('Зимний запуск');
  const exported = await exportFile(owner);

  // The JavaScript implementation reads the roadmap fields as written.
  const doc = Automerge.load(new Uint8Array(readFileSync(exported)));
  assert.equal(String(doc.schema), 'tandem.partnership'); // scalar strings arrive as RawString
  assert.equal(String(doc.brand), 'Northwind');
  assert.equal(String(doc.quarters['2027-Q1'].theme), 'Зимний запуск');
  assert.equal(String(doc.document_id), id);

  // Garbage and a truncated file are refused; nothing is added.
  const other = await (await browser.newContext()).newPage();
  const garbage = join(OUTPUT, 'garbage.automerge');
  writeFileSync(garbage, 'this is not a partnership');
  assert.match(await importFile(other, garbage), /cannot be imported: the bytes are not a readable Automerge document/);
  const truncated = join(OUTPUT, 'truncated.automerge');
  writeFileSync(truncated, readFileSync(exported).subarray(0, 40));
  assert.match(await importFile(other, truncated), /cannot be imported/);
  const foreign = join(OUTPUT, 'foreign.automerge');
  writeFileSync(foreign, Automerge.save(Automerge.from({ todo: ['milk'] })));
  assert.match(await importFile(other, foreign), /not a Tandem partnership/);
  assert.equal(await other.getByTestId('partnership-card').count(), 0, 'nothing was added');

  // Into a browser that never saw it: a new partnership with its own id. It is never
  // merged into the relay's copy, which this browser has not seen (issue #16).
  assert.match(await importFile(other, exported),
    /Imported as a new partnership with its own id: the file names a partnership this browser does not hold, so nothing was merged/);
  assert.equal(await other.getByTestId('import-result').getAttribute('data-outcome'), 'new');
  await other.getByTestId('import-result').getByRole('link').click();
  await other.getByTestId('partnership-title').waitFor();
  await other.getByTestId('tab-roadmap').click();
  const copyId = new URL(other.url()).pathname.split('/').pop();
  assert.notEqual(copyId, id, 'a new id, not the one the file names');
  assert.equal(await other.getByTestId('theme-2027-Q1').inputValue(), 'Зимний запуск');
  // It is this browser's own partnership: registered as its owner, editable, and what is
  // typed into it never reaches the owner's copy.
  await eventually(() => other.getByTestId('role').getAttribute('data-role'), (r) => r === 'owner',
    { timeout: 10000, what: 'the import is registered as a new partnership' });
  await other.getByTestId('theme-2027-Q1').fill('Чужая история');
  await eventually(() => other.getByTestId('sync-state').innerText(), (t) => t.startsWith('All changes are on the relay'),
    { timeout: 10000, what: 'the import synced as its own partnership' });
  await owner.waitForTimeout(500);
  assert.equal(await owner.getByTestId('theme-2027-Q1').inputValue(), 'Зимний запуск', 'the owner\'s copy is untouched');
  // The owner sends a link: the relay's copy arrives apart from the import, and syncs.
  await other.goto(await inviteLink(owner, relay.url, id, 'editor'));
  await confirmJoin(other);
  await other.getByTestId('partnership-title').waitFor({ timeout: 10000 });
  assert.ok(other.url().endsWith(`/p/${id}`));
  await other.getByTestId('tab-roadmap').click();
  assert.equal(await other.getByTestId('role').getAttribute('data-role'), 'editor');
  assert.equal(await other.getByTestId('theme-2027-Q1').inputValue(), 'Зимний запуск');
  await owner.getByTestId('goal').fill('Live again');
  await eventually(() => other.getByTestId('goal').inputValue(), (g) => g === 'Live again', { timeout: 10000, what: 'the joined copy syncs' });

  // A partnership built from scratch by the JavaScript package, with Tandem's schema.
  const fromJs = Automerge.from({
    schema: 'tandem.partnership', schema_version: 1, brand: 'JS Brand', creator: 'JS Creator',
    markets: ['US'], goal: 'Built in Node',
    quarters: { '2027-Q1': { theme: 'Из JS', campaigns: {}, learned: '', next_try: '' } },
  });
  const jsPath = join(OUTPUT, 'from-js.automerge');
  writeFileSync(jsPath, Automerge.save(fromJs));
  assert.match(await importFile(other, jsPath), /Imported as a partnership/);
  await other.getByTestId('import-result').getByRole('link').click();
  await other.getByTestId('partnership-title').waitFor();
  assert.match(await other.getByTestId('partnership-title').innerText(), /JS Brand × JS Creator/);
  await other.getByTestId('tab-roadmap').click();
  assert.equal(await other.getByTestId('theme-2027-Q1').inputValue(), 'Из JS');

  // Importing a copy of a partnership this browser has merges into it.
  const copy = Automerge.change(Automerge.load(new Uint8Array(readFileSync(exported))), (d) => {
    Automerge.splice(d, ['quarters', '2027-Q1', 'theme'], 0, 0, 'Большой ');
  });
  const copyPath = join(OUTPUT, 'copy.automerge');
  writeFileSync(copyPath, Automerge.save(copy));
  assert.match(await importFile(owner, copyPath), /Merged into the partnership you already had/);
  await owner.goto(`${relay.url}/p/${id}#tab-roadmap`);
  await eventually(() => owner.getByTestId('theme-2027-Q1').inputValue(), (t) => t === 'Большой Зимний запуск', { what: 'the merged theme' });
  assert.equal(await owner.getByTestId('goal').inputValue(), 'Live again', 'nothing lost in the merge');
  assert.deepEqual(errors, []);
});

/** A partnership made in another browser (so this one holds none of its history), its
 *  recorded id rewritten to `id` — as a scalar string, as the app writes it. */
async function forgedCopyOf(id, brandName) {
  const context = await browser.newContext({ acceptDownloads: true });
  try {
    const page = await context.newPage();
    await createPartnership(page, relay.url, brandName, 'Маша');
    await page.getByTestId('theme-2027-Q1').fill('Подмена');
    const stranger = Automerge.load(new Uint8Array(readFileSync(await exportFile(page))));
    return Automerge.change(stranger, (d) => { d.document_id = new Automerge.ImmutableString(id); });
  } finally {
    await context.close();
  }
}

test('a file naming a partnership held here but with another history is added apart, not merged', async () => {
  const owner = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const errors = watchErrors(owner);
  const id = await createPartnership(owner, relay.url, 'Northwind', 'Маша');
  await owner.getByTestId('theme-2027-Q1').fill('Настоящая тема');
  // A stranger's file that claims to be this partnership (its recorded id), with a
  // history that began somewhere else: another partnership's export, its id rewritten.
  const forged = await forgedCopyOf(id, 'EVIL CORP');
  const forgedPath = join(OUTPUT, 'forged.automerge');
  writeFileSync(forgedPath, Automerge.save(forged));
  assert.match(await importFile(owner, forgedPath),
    /Imported as a new partnership with its own id: the file names a partnership you have, but its history did not begin there, so it was not merged into yours/);
  assert.equal(await owner.getByTestId('import-result').getAttribute('data-outcome'), 'new');
  await owner.screenshot({ path: join(OUTPUT, 'import-different-origin.png'), fullPage: true });
  await owner.getByTestId('import-result').getByRole('link').click();
  await owner.getByTestId('partnership-title').waitFor();
  assert.notEqual(new URL(owner.url()).pathname, `/p/${id}`, 'a new id');
  await owner.goto(`${relay.url}/p/${id}#tab-roadmap`);
  await owner.getByTestId('partnership-title').waitFor();
  assert.match(await owner.getByTestId('partnership-title').innerText(), /Northwind × Маша/);
  assert.equal(await owner.getByTestId('theme-2027-Q1').inputValue(), 'Настоящая тема', 'nothing merged into it');
  // In Russian the outcome is said in Russian.
  await owner.goto(relay.url);
  await owner.getByTestId('lang-switch').locator('[data-lang="ru"]').click();
  // Another forgery: the first one is held here now (imported apart), so importing it
  // again would rightly merge into that copy.
  const forgedRuPath = join(OUTPUT, 'forged-ru.automerge');
  writeFileSync(forgedRuPath, Automerge.save(await forgedCopyOf(id, 'ООО Подмена')));
  await owner.getByTestId('import-file').setInputFiles(forgedRuPath);
  await owner.getByTestId('import-result').waitFor();
  assert.match(await owner.getByTestId('import-result').innerText(), /история началась не там/);
  await owner.screenshot({ path: join(OUTPUT, 'import-different-origin-ru.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('the roadmap and agreement export as Markdown and print cleanly, KPIs as CSV that Excel reads in Cyrillic', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await createPartnership(page, relay.url, 'Northwind', 'Маша');
  await page.getByTestId('theme-2027-Q1').fill('Зимний запуск <script>alert(1)</script>');
  await page.getByTestId('goal').fill('Grow | reach **fast**');
  const form = await campaignForm(page, '2027-Q1');
  await form.getByLabel('Title').fill('=1+1 Весенний дроп');
  await form.getByRole('button', { name: 'Add campaign' }).click();
  await page.locator('[data-testid="campaigns-2027-Q1"] [data-testid="campaign-title"]').first().waitFor();

  const roadmap = await download(page, 'export-roadmap-md', 'md');
  assert.match(roadmap.name, /Northwind × Маша — roadmap\.md$/);
  const md = readFileSync(roadmap.path, 'utf8');
  assert.match(md, /^# Northwind × Маша — roadmap/);
  assert.match(md, /\*\*The larger goal:\*\* Grow \\\| reach \\\*\\\*fast\\\*\\\*/);
  assert.match(md, /Зимний запуск \\<script\\>alert\(1\)\\<\/script\\>/);
  assert.match(md, /\| =1\+1 Весенний дроп \| RU \| — \| — \| planned \|/);
  const agreement = readFileSync((await download(page, 'export-agreement-md', 'md')).path, 'utf8');
  assert.match(agreement, /## Agreement/);
  assert.match(agreement, /## Statement of work, 2027-Q\d/);

  const csv = readFileSync((await download(page, 'export-csv', 'csv')).path);
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
  assert.match(csv.toString('utf8'), /quarter,campaign,market,status/);

  // The print page renders the same content as elements (the script stays text).
  await openExportMenu(page);
  await page.getByTestId('print-roadmap').click();
  const printable = page.getByTestId('printable');
  await printable.waitFor();
  assert.match(await printable.locator('h1').innerText(), /Northwind × Маша — roadmap/);
  assert.match(await printable.innerText(), /Зимний запуск <script>alert\(1\)<\/script>/);
  assert.equal(await printable.locator('script').count(), 0);
  assert.equal(await printable.locator('table td').first().innerText(), '=1+1 Весенний дроп');
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.getByTestId('print').isHidden(), 'no buttons on paper');
  assert.ok(await page.locator('.topbar').isHidden(), 'no app chrome on paper');
  const pdf = join(OUTPUT, 'roadmap.pdf');
  await page.pdf({ path: pdf, format: 'A4' });
  assert.ok(readFileSync(pdf).subarray(0, 5).toString() === '%PDF-', 'a PDF came out');
  await page.emulateMedia({ media: 'screen' });
  await page.screenshot({ path: join(OUTPUT, 'print-roadmap.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
