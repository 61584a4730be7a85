// Shared fixtures for the browser journeys: a real relay process serving the built app,
// and Debian's Chromium driven by playwright-core. Each test starts and stops its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const OUTPUT = join(ROOT, 'test-results');
mkdirSync(OUTPUT, { recursive: true });

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic',
];

/** Starts the relay on a free port with a fresh data folder; resolves to {url, stop}. */
export async function startRelay() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-e2e-'));
  const bin = process.env.TANDEM_RELAY_BIN ?? join(ROOT, 'target/release/tandem-relay');
  const child = spawn(bin, ['--addr', '127.0.0.1:0', '--data-dir', dataDir, '--app-dir', join(ROOT, 'dist')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${log}`)), 15000);
    child.stdout.on('data', (d) => {
      const m = String(d).match(/running at (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited (${code}):\n${log}`)); });
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Launches Chromium with a fresh profile. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Collects page errors so a journey fails on an uncaught exception or a wasm panic. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}
