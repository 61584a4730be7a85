// Incremental saving (issue 8, item 3): bytes written to IndexedDB per keystroke on a
// ~1 MB partnership.
//
// The document is built by the large-document trace generator with more typing (a change
// per keystroke, so the saved file is ~1 MB), imported through the app's own import path,
// and opened. Then IDBObjectStore.prototype.put is wrapped in the page to add up the size
// of every record the app writes (the chunk bytes; keys are ~100 bytes more each), and N
// keystrokes are typed into the 2027-Q1 theme at a person's pace. Compactions (a snapshot
// written in place of the increments) are counted; the app compacts when the increments
// outweigh the snapshot, so over a long run a compaction adds at most one increment's
// worth per keystroke: the amortised figure is the measured average plus the snapshot
// size divided by the keystrokes between compactions.
//
// Usage: node bench/keystroke-bytes.mjs [keystrokes=300]
//   (needs target/release/tandem-bench, dist/ and target/release/tandem-relay)
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRelay, launchBrowser, watchErrors, ROOT } from '../tests/e2e/support.mjs';

const keystrokes = Number(process.argv[2] ?? 300);
const BIN = join(ROOT, 'target/release/tandem-bench');
const TRACE = join(ROOT, 'target/bench/mb-doc-trace.json');
const DOC = join(ROOT, 'target/bench/mb-doc.automerge');

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
}
if (!existsSync(DOC)) {
  run(BIN, ['trace', '--out', TRACE, '--typed', '450000', '--field-edits', '9000', '--seed', '9']);
  run(BIN, ['native', '--trace', TRACE, '--save', DOC, '--keystrokes', '1']);
}
const docBytes = statSync(DOC).size;

const relay = await startRelay();
const browser = await launchBrowser();
let result;
try {
  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await page.goto(relay.url);
  await page.getByTestId('import-file').setInputFiles(DOC);
  const imported = page.getByTestId('import-result');
  await imported.waitFor({ timeout: 120000 });
  const href = await imported.getByRole('link').getAttribute('href');
  await page.goto(`${relay.url}${href}`);
  await page.getByTestId('sync-state').filter({ hasText: 'All changes are on the relay' })
    .waitFor({ timeout: 180000 });
  await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor();

  await page.evaluate(() => {
    window.__writes = { puts: 0, bytes: 0, snapshots: 0, snapshotBytes: 0, deletes: 0 };
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, key) {
      const n = value?.binary?.byteLength ?? 0;
      const w = window.__writes;
      w.puts += 1;
      w.bytes += n;
      if (Array.isArray(key) && key[1] === 'snapshot') { w.snapshots += 1; w.snapshotBytes += n; }
      return put.call(this, value, key);
    };
    const del = IDBObjectStore.prototype.delete;
    IDBObjectStore.prototype.delete = function (key) { window.__writes.deletes += 1; return del.call(this, key); };
  });
  const theme = page.getByTestId('theme-2027-Q1');
  await theme.evaluate((el) => { el.focus(); el.setSelectionRange(el.value.length, el.value.length); });
  for (let i = 0; i < keystrokes; i++) {
    await page.keyboard.type(i % 7 === 6 ? ' ' : 'abcdef'[i % 6]);
    await page.waitForTimeout(100);
  }
  await page.getByTestId('save-state').filter({ hasText: 'Saved in this browser' }).waitFor({ timeout: 60000 });
  const w = await page.evaluate(() => window.__writes);
  const incrementBytes = w.bytes - w.snapshotBytes;
  const perIncrement = incrementBytes / Math.max(1, w.puts - w.snapshots);
  // A compaction comes once the increments outweigh the snapshot.
  const amortised = w.bytes / keystrokes + (w.snapshots === 0 ? perIncrement : 0);
  result = {
    benchmark: 'bytes written to IndexedDB per keystroke, ~1 MB partnership',
    document_bytes: docBytes,
    keystrokes,
    puts: w.puts,
    deletes: w.deletes,
    bytes_written: w.bytes,
    snapshots_written: w.snapshots,
    bytes_per_keystroke: Math.round(w.bytes / keystrokes),
    bytes_per_keystroke_amortised: Math.round(amortised),
    goal: 'under 2 KB (2048 bytes) per keystroke on average',
    errors,
  };
  result.goal_met = result.bytes_per_keystroke_amortised < 2048 && result.bytes_per_keystroke < 2048;
} finally {
  await browser.close();
  await relay.stop();
}
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/keystroke-bytes.json'), JSON.stringify(result, null, 2) + '\n');
console.log('| document | keystrokes | writes | bytes written | snapshots | bytes/keystroke | amortised with compaction | goal (< 2 KB) |');
console.log('|---|---|---|---|---|---|---|---|');
console.log(`| ${(result.document_bytes / 1024).toFixed(0)} KB | ${keystrokes} | ${result.puts} | ${result.bytes_written} | ${result.snapshots_written} | ${result.bytes_per_keystroke} B | ${result.bytes_per_keystroke_amortised} B | ${result.goal_met ? 'met' : 'MISSED'} |`);
if (result.errors.length) console.log('page errors:', result.errors);
