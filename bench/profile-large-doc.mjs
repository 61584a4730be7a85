// Where the time goes: a CPU profile (Chromium's sampling profiler, through CDP) of opening
// the large-document benchmark's partnership and of typing 20 keystrokes into it. Writes
// the heaviest functions (self and total time) to /tmp/prof/open.txt and typing.txt.
//
// Release builds lose function names to wasm-opt; for names, serve a copy of dist/ whose
// .wasm is wasm-bindgen's output without wasm-opt (same file names, `integrity` removed
// from index.html) and point APP_DIR at it:
//   wasm-bindgen --target web --no-typescript --out-dir OUT --out-name <dist's name> \
//     target/wasm32-unknown-unknown/wasm-release/tandem.wasm
// Usage: [APP_DIR=dir] node bench/profile-large-doc.mjs   (after bench/large-doc.mjs)
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRelay, launchBrowser, ROOT } from '../tests/e2e/support.mjs';

mkdirSync('/tmp/prof', { recursive: true });
const DOC = join(ROOT, 'target/bench/large-doc.automerge');
const relay = await startRelay({ appDir: process.env.APP_DIR ?? join(ROOT, 'dist') });
const browser = await launchBrowser();
function summarize(profile, label) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas; const samples = profile.samples;
  const total = new Map();
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i]); const name = n.callFrame.functionName || '(anon)';
    self.set(name, (self.get(name) ?? 0) + dt[i] / 1000);
    const seen = new Set(); let id = samples[i];
    while (id !== undefined) { const nm = byId.get(id).callFrame.functionName || '(anon)'; if (!seen.has(nm)) { seen.add(nm); total.set(nm, (total.get(nm) ?? 0) + dt[i] / 1000); } id = parent.get(id); }
  }
  const top = (m, k) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, v]) => `${v.toFixed(0).padStart(7)} ms  ${n.slice(0, 150)}`).join('\n');
  writeFileSync(`/tmp/prof/${label}.txt`, `SELF\n${top(self, 40)}\n\nTOTAL\n${top(total, 120)}\n`);
}
try {
  const context = await browser.newContext();
  const seed = await context.newPage();
  await seed.goto(relay.url);
  await seed.getByTestId('import-file').setInputFiles(DOC);
  const result = seed.getByTestId('import-result');
  await result.waitFor({ timeout: 120000 });
  const href = await result.getByRole('link').getAttribute('href');
  await seed.goto(`${relay.url}${href}`);
  await seed.getByTestId('sync-state').filter({ hasText: 'All changes are on the relay' }).waitFor({ timeout: 180000 });
  await seed.close();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  await page.goto(`${relay.url}${href}`);
  const theme = page.getByTestId('theme-2027-Q1');
  await theme.waitFor({ timeout: 60000 });
  await page.waitForTimeout(1500);
  summarize((await cdp.send('Profiler.stop')).profile, 'open');
  await theme.focus();
  await cdp.send('Profiler.start');
  for (let i = 0; i < 20; i++) { await page.keyboard.type('x'); await page.waitForTimeout(100); }
  await page.waitForTimeout(1000);
  summarize((await cdp.send('Profiler.stop')).profile, 'typing');
} finally { await browser.close(); await relay.stop(); }
