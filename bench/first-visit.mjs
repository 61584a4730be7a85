// A creator's first open of Tandem on a phone's network, from a fresh browser profile:
// bytes on the wire, time to an interactive home page, time from opening a share link to
// an editable partnership, and a repeat visit with the service worker (online, offline);
// at loopback, Fast 4G and Slow 4G (Chromium's throttling over CDP). Then Lighthouse 12.2.3
// (mobile) for `/` and the share link. Each figure beside issue #17's before and goal.
//
// Usage: node bench/first-visit.mjs   (needs dist/ and target/release/tandem-relay)
//   FIRST_VISIT_RUNS=3     runs per network (the median is printed)
//   FIRST_VISIT_LIGHTHOUSE=0  skip Lighthouse
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startRelay, launchBrowser, createPartnership, inviteLink, shellCached, ROOT,
} from '../tests/e2e/support.mjs';

const RUNS = Number(process.env.FIRST_VISIT_RUNS ?? 3);
const NETWORKS = [
  { name: 'loopback', conditions: null, before: { kb: 4554, homeS: 0.34 } },
  {
    name: 'Fast 4G', before: { kb: 4553, homeS: 4.95 }, goal: { homeS: 1.2 },
    conditions: { latency: 150, downloadThroughput: 9e6 / 8, uploadThroughput: 1.5e6 / 8 },
  },
  {
    name: 'Slow 4G', before: { kb: 4554, homeS: 24.2 }, goal: { homeS: 4, linkS: 5 },
    conditions: { latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 0.75e6 / 8 },
  },
];
const GOAL_FIRST_KB = 700;
const GOAL_REPEAT_MS = 500;

/** A page whose network is `conditions` (null: unthrottled) and whose bytes are counted. */
async function throttledPage(context, conditions) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (conditions) {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...conditions });
  }
  const counter = { bytes: 0 };
  cdp.on('Network.loadingFinished', (e) => { counter.bytes += e.encodedDataLength; });
  // WebSocket frames are not in loadingFinished; the handshake is.
  return { page, cdp, counter };
}

const interactiveHome = (page) => page.getByTestId('new-partnership').waitFor({ state: 'visible', timeout: 120000 });
const editablePartnership = (page) => page.locator('[data-testid="editable"][data-read-only="false"]')
  .waitFor({ state: 'attached', timeout: 120000 });

async function paints(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
    let lcp = null;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) lcp = e.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
    setTimeout(() => resolve({ fcpMs: fcp, lcpMs: lcp }), 50);
  }));
}

async function homeRun(browser, relay, network) {
  const context = await browser.newContext();
  try {
    const { page, counter } = await throttledPage(context, network.conditions);
    const start = Date.now();
    await page.goto(relay.url, { waitUntil: 'commit' });
    await interactiveHome(page);
    const homeMs = Date.now() - start;
    const painted = await paints(page);
    const firstBytes = counter.bytes;

    // A repeat visit: the service worker has the shell; same network.
    await shellCached(page);
    await page.close();
    const again = await throttledPage(context, network.conditions);
    let t = Date.now();
    await again.page.goto(relay.url, { waitUntil: 'commit' });
    await interactiveHome(again.page);
    const repeatMs = Date.now() - t;
    const repeatBytes = again.counter.bytes;
    await again.page.close();

    // And with no network at all.
    await context.setOffline(true);
    const offline = await context.newPage();
    t = Date.now();
    await offline.goto(relay.url, { waitUntil: 'commit' });
    await interactiveHome(offline);
    const offlineMs = Date.now() - t;
    return { homeMs, ...painted, firstBytes, repeatMs, repeatBytes, offlineMs };
  } finally {
    await context.close();
  }
}

async function linkRun(browser, link, network) {
  const context = await browser.newContext();
  try {
    const { page, counter } = await throttledPage(context, network.conditions);
    const start = Date.now();
    await page.goto(link, { waitUntil: 'commit' });
    // The join page asks first (#16): the time to that question, then the click (no
    // thinking time counted) and the wait for an editable partnership.
    const join = page.getByTestId('join-confirm');
    await join.waitFor({ state: 'visible', timeout: 120000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="join-confirm"]')?.disabled, null, { timeout: 120000 });
    const askMs = Date.now() - start;
    await join.click();
    await editablePartnership(page);
    return { linkMs: Date.now() - start, askMs, linkBytes: counter.bytes };
  } finally {
    await context.close();
  }
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const kb = (b) => `${Math.round(b / 1024).toLocaleString('en')} KB`;
const sec = (ms) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
const verdict = (ok) => (ok ? 'met' : 'MISSED');

function lighthouse(url, label) {
  const out = mkdtempSync(join(tmpdir(), 'tandem-lh-'));
  try {
    const report = join(out, 'report.json');
    execFileSync(join(ROOT, 'node_modules/.bin/lighthouse'), [
      url, '--quiet', '--output=json', `--output-path=${report}`,
      '--only-categories=performance,accessibility,best-practices',
      '--chrome-path=/usr/bin/chromium',
      `--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir=${join(out, 'profile')}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 180000 });
    const r = JSON.parse(readFileSync(report, 'utf8'));
    const score = (c) => Math.round((r.categories[c]?.score ?? 0) * 100);
    const audit = (a) => r.audits[a]?.numericValue ?? null;
    return {
      label,
      performance: score('performance'),
      accessibility: score('accessibility'),
      bestPractices: score('best-practices'),
      fcpMs: audit('first-contentful-paint'),
      lcpMs: audit('largest-contentful-paint'),
      tbtMs: audit('total-blocking-time'),
      transferBytes: audit('total-byte-weight'),
      failing: Object.values(r.audits)
        .filter((a) => a.score !== null && a.score < 1 && ['accessibility', 'best-practices']
          .some((c) => r.categories[c]?.auditRefs.some((ref) => ref.id === a.id && ref.weight > 0)))
        .map((a) => a.id),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const relay = await startRelay();
const browser = await launchBrowser();
const results = { runs: RUNS, networks: [] };
try {
  // The brand makes the partnership and an editor link (unthrottled); each run opens it
  // as a creator would, in a fresh profile.
  const brand = await (await browser.newContext()).newPage();
  const id = await createPartnership(brand, relay.url, 'Northwind', 'Маша');
  const link = await inviteLink(brand, relay.url, id, 'editor', 'bench');

  for (const network of NETWORKS) {
    const homes = [];
    const links = [];
    for (let i = 0; i < RUNS; i++) {
      homes.push(await homeRun(browser, relay, network));
      links.push(await linkRun(browser, link, network));
    }
    const m = (key, xs) => median(xs.map((x) => x[key]));
    const r = {
      network: network.name,
      firstBytes: m('firstBytes', homes),
      homeMs: m('homeMs', homes),
      fcpMs: m('fcpMs', homes),
      lcpMs: m('lcpMs', homes),
      linkMs: m('linkMs', links),
      linkBytes: m('linkBytes', links),
      askMs: m('askMs', links),
      repeatMs: m('repeatMs', homes),
      repeatBytes: m('repeatBytes', homes),
      offlineMs: m('offlineMs', homes),
      before: network.before,
      goal: network.goal ?? null,
    };
    results.networks.push(r);
    const home = `home ${sec(r.homeMs)} (before ${network.before.homeS} s${network.goal?.homeS ? `; goal < ${network.goal.homeS} s: ${verdict(r.homeMs < network.goal.homeS * 1000)}` : ''})`;
    const linkLine = `share link → editable ${sec(r.linkMs)}${network.goal?.linkS ? ` (goal < ${network.goal.linkS} s: ${verdict(r.linkMs < network.goal.linkS * 1000)})` : ''}`;
    console.log(`${network.name.padEnd(9)} first visit ${kb(r.firstBytes)} on the wire (before ${network.before.kb.toLocaleString('en')} KB; goal < ${GOAL_FIRST_KB} KB: ${verdict(r.firstBytes < GOAL_FIRST_KB * 1024)}), ${home}`);
    console.log(`${''.padEnd(9)} first paint ${sec(r.fcpMs)}, largest paint ${sec(r.lcpMs)}; ${linkLine} (join question after ${sec(r.askMs)}), ${kb(r.linkBytes)}`);
    console.log(`${''.padEnd(9)} repeat visit (service worker) ${sec(r.repeatMs)} online, ${kb(r.repeatBytes)}; ${sec(r.offlineMs)} offline (goal < ${GOAL_REPEAT_MS} ms: ${verdict(Math.max(r.repeatMs, r.offlineMs) < GOAL_REPEAT_MS)})`);
  }

  if (process.env.FIRST_VISIT_LIGHTHOUSE !== '0') {
    results.lighthouse = [];
    for (const [url, label] of [[relay.url, '/'], [link, 'share link → partnership']]) {
      try {
        const l = lighthouse(url, label);
        results.lighthouse.push(l);
        console.log(`Lighthouse 12.2.3 mobile, ${label}: performance ${l.performance}, accessibility ${l.accessibility}, best practices ${l.bestPractices} (goals ≥ 95, 100, 100; before 73 on / and 66 on a partnership); FCP ${sec(l.fcpMs)}, LCP ${sec(l.lcpMs)}, TBT ${Math.round(l.tbtMs)} ms${l.failing.length ? `; failing: ${l.failing.join(', ')}` : ''}`);
      } catch (e) {
        console.log(`Lighthouse, ${label}: did not run (${String(e.message).split('\n')[0]})`);
      }
    }
  }
} finally {
  await browser.close();
  await relay.stop();
}
mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'bench-results/first-visit.json'), `${JSON.stringify(results, null, 2)}\n`);
