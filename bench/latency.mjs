// Edit-to-remote-render latency between two browsers over a local relay.
//
// Browser A types one character into a quarter's theme (an input event, as a keystroke
// makes); the clock stops when browser B's app writes the new text into its textarea
// (the value setter is wrapped, so the moment of render is exact). Both pages run in one
// Chromium, so their clocks (performance.timeOrigin + now) agree. Edits are sequential:
// this measures latency, not throughput.
//
// Usage: node bench/latency.mjs [edits=200]   (needs dist/ and target/release/tandem-relay)
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, createPartnership, inviteLink, ROOT,
} from '../tests/e2e/support.mjs';

const edits = Number(process.argv[2] ?? 200);
const relay = await startRelay();
const browser = await launchBrowser();
try {
  const a = await (await browser.newContext()).newPage();
  const id = await createPartnership(a, relay.url, 'Bench Brand', 'Bench Creator');
  const b = await (await browser.newContext()).newPage();
  await b.goto(await inviteLink(a, relay.url, id, 'editor'));
  await b.getByTestId('partnership-title').waitFor({ timeout: 15000 });

  // In B: record when the app renders a new theme value.
  await b.evaluate(() => {
    const el = document.querySelector('[data-testid="theme-2027-Q1"]');
    const proto = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value');
    window.__renders = [];
    Object.defineProperty(el, 'value', {
      get() { return proto.get.call(this); },
      set(v) {
        proto.set.call(this, v);
        window.__renders.push({ len: v.length, at: performance.timeOrigin + performance.now() });
      },
    });
  });

  const samples = [];
  for (let i = 0; i < edits; i++) {
    const { sentAt, len } = await a.evaluate(() => {
      const el = document.querySelector('[data-testid="theme-2027-Q1"]');
      const sentAt = performance.timeOrigin + performance.now();
      el.value += 'x';
      el.dispatchEvent(new Event('input', { bubbles: true }));
      return { sentAt, len: el.value.length };
    });
    const renderedAt = await b.waitForFunction((want) => {
      const hit = window.__renders.find((r) => r.len === want);
      return hit ? hit.at : null;
    }, len, { polling: 'raf', timeout: 10000 }).then((h) => h.jsonValue());
    samples.push(renderedAt - sentAt);
  }
  samples.sort((x, y) => x - y);
  const pct = (p) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)];
  const result = {
    benchmark: 'edit-to-remote-render latency, two Chromium contexts via the local relay',
    edits,
    p50_ms: +pct(50).toFixed(2),
    p99_ms: +pct(99).toFixed(2),
    max_ms: +samples[samples.length - 1].toFixed(2),
    mean_ms: +(samples.reduce((s, x) => s + x, 0) / samples.length).toFixed(2),
    goal: 'p99 < 100 ms',
  };
  result.goal_met = result.p99_ms < 100;
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/latency.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`edits ${edits}: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms (goal p99 < 100 ms: ${result.goal_met ? 'met' : 'MISSED'})`);
} finally {
  await browser.close();
  await relay.stop();
}
