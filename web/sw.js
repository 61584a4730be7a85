// Tandem's service worker: the app shell (HTML, JS, WASM, CSS, icons) is cached on the
// first visit, so the app loads with no network afterwards. Partnerships themselves live
// in IndexedDB and are never touched here; /sync, /api and /health always go to the network.
//
// - Install: fetch "/" and cache it with every asset it names (Trunk gives them hashed
//   names, so a new build means new URLs). Through the browser's HTTP cache: the relay
//   marks hashed assets immutable, so what the page has just loaded (the 1 MB .wasm
//   above all) is copied from there rather than downloaded a second time; "/" and the
//   unhashed files are revalidated (a 304 when unchanged).
// - Page loads (navigations): the network first, so an online reload gets the newest app;
//   with no network (or a network slower than 4 s), the cached shell.
// - Assets: the cache first (hashed names never change content), else the network.
// - The page itself notices a new version (it compares its own asset URLs with the
//   server's index) and offers a reload; this worker then serves and caches the new shell.
const CACHE = 'tandem-shell-v1';
const SHELL = '/';
const PASS_THROUGH = ['/sync', '/api/', '/health', '/calendar/'];

function assetsIn(html) {
  const urls = new Set();
  for (const m of html.matchAll(/(?:href|src|from|module_or_path:)\s*=?\s*['"](\/[^'"#?]+)['"]/g)) {
    urls.add(m[1]);
  }
  return [...urls];
}

async function cacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch(SHELL, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`the app shell answered ${response.status}`);
  const html = await response.clone().text();
  const assets = assetsIn(html).concat(['/manifest.webmanifest', '/public/icon-192.png', '/public/icon-512.png']);
  await Promise.all(assets.map(async (url) => {
    try {
      const r = await fetch(url);
      if (r.ok) await cache.put(url, r);
    } catch (_) { /* an optional asset: the shell still works */ }
  }));
  await cache.put(SHELL, response);
  // Drop assets of older builds.
  const keep = new Set([SHELL, ...assets].map((u) => new URL(u, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (!keep.has(request.url)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('message', (event) => {
  // The page found a new version and the person chose to reload: refresh the shell first.
  if (event.data === 'refresh-shell') event.waitUntil(cacheShell().catch(() => {}));
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PASS_THROUGH.some((p) => url.pathname.startsWith(p))) return;
  // The page asking the server itself (is there a new build?) must not get the cache.
  if (request.cache === 'no-store') return;

  if (request.mode === 'navigate') {
    event.respondWith((async () => {
      try {
        const response = await withTimeout(fetch(request), 4000);
        if (response.ok) {
          // Every client-side route is the same shell. A different shell is a new build:
          // cache it together with its assets, so it also loads offline.
          const cached = await caches.match(SHELL);
          const [now, before] = await Promise.all([response.clone().text(), cached ? cached.text() : '']);
          if (now !== before) event.waitUntil(cacheShell().catch(() => {}));
        }
        return response;
      } catch (_) {
        const cached = await caches.match(SHELL);
        return cached ?? new Response('Tandem is offline and was never loaded here.', {
          status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
      }
    })());
    return;
  }

  event.respondWith((async () => {
    const cached = await caches.match(request, { ignoreSearch: true });
    if (cached) return cached;
    const response = await fetch(request);
    if (response.ok && url.pathname !== '/sw.js') {
      const cache = await caches.open(CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  })());
});
