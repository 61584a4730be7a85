// Runs before the app's WebAssembly arrives (index.html's head, a file rather than an
// inline script so the relay's Content-Security-Policy stays as strict as it is): puts
// the loading screen (#boot) in the language the app will open in. The same choice as
// src/i18n.rs `initial`: the remembered language, else the browser's first Russian or
// English, else English.
(function () {
  function known(tag) {
    var primary = String(tag || '').trim().split(/[-_]/)[0].toLowerCase();
    return primary === 'ru' || primary === 'en' ? primary : null;
  }
  var lang = null;
  try { lang = known(window.localStorage.getItem('tandem.lang')); } catch (e) { /* storage blocked */ }
  var tags = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (var i = 0; !lang && i < tags.length; i++) lang = known(tags[i]);
  document.documentElement.lang = lang || 'en';
})();

// A partnership page seen before paints at once (issue #19): when this tab last showed
// /p/<id> on the same tab and in the same language, the app kept a copy of the page
// (`tandemPage.capture`, stored by src/platform/page_copy.rs under the digest of the
// document's chunks it showed). If the document's chunks in storage are still exactly
// those, the copy is painted here — before the WebAssembly has even arrived — inert and
// marked "Opening…", over the page the app builds; the app removes it once it shows the
// partnership itself. Anything else (no copy, another tab or language, chunks written
// since) and nothing is painted: a copy never shows what the document does not hold.
(function () {
  'use strict';
  var SNAPSHOT = 'snapshot';
  function tabOf(hash) {
    var m = /^#tab-([a-z]+)$/.exec(hash || '');
    return m ? m[1] : 'overview';
  }

  // The page as shown now, with what each field holds written into the markup, ids and
  // test ids renamed (the app's own page is built beside it), or null when this tab does
  // not show partnership `id` loaded.
  function capture(id) {
    var head = document.querySelector('[data-page-doc="' + id + '"]');
    if (!head || head.closest('.opening-preview')) return null;
    var main = head.closest('main');
    if (!main) return null;
    var copy = main.cloneNode(true);
    var from = main.querySelectorAll('input, textarea, select');
    var to = copy.querySelectorAll('input, textarea, select');
    for (var i = 0; i < from.length && i < to.length; i++) {
      var a = from[i];
      var b = to[i];
      if (a.tagName === 'TEXTAREA') {
        b.textContent = a.value;
      } else if (a.tagName === 'SELECT') {
        for (var j = 0; j < b.options.length; j++) {
          if (j === a.selectedIndex) b.options[j].setAttribute('selected', '');
          else b.options[j].removeAttribute('selected');
        }
      } else if (a.type === 'checkbox' || a.type === 'radio') {
        if (a.checked) b.setAttribute('checked', ''); else b.removeAttribute('checked');
      } else if (a.type !== 'file' && a.type !== 'password') {
        b.setAttribute('value', a.value);
      }
    }
    // (After the values above, which pair the copy's fields with the page's by order.)
    // A link shown once (an invitation, a recovery key, a calendar feed) is not kept, nor
    // what a panel over the page showed.
    copy.querySelectorAll('.made-link, .toast-region').forEach(function (e) { e.parentNode.removeChild(e); });
    copy.querySelectorAll('details[open].share-panel, details[open].presence-menu').forEach(function (e) { e.removeAttribute('open'); });
    copy.querySelectorAll('[id]').forEach(function (e) {
      e.setAttribute('data-copy-id', e.id);
      e.removeAttribute('id');
    });
    copy.querySelectorAll('[for]').forEach(function (e) { e.removeAttribute('for'); });
    // Inline style attributes are refused by the Content-Security-Policy; set through
    // the style object when painted, they are not.
    copy.querySelectorAll('[style]').forEach(function (e) {
      e.setAttribute('data-copy-style', e.getAttribute('style'));
      e.removeAttribute('style');
    });
    copy.querySelectorAll('[data-testid]').forEach(function (e) {
      e.setAttribute('data-copy-testid', e.getAttribute('data-testid'));
      e.removeAttribute('data-testid');
    });
    copy.querySelectorAll('[role="status"], [role="alert"], [aria-live]').forEach(function (e) {
      e.removeAttribute('role');
      e.removeAttribute('aria-live');
    });
    return {
      tab: tabOf(location.hash),
      json: JSON.stringify({
        v: 1,
        tab: tabOf(location.hash),
        lang: document.documentElement.lang,
        cls: main.className,
        html: copy.innerHTML,
      }),
    };
  }
  // Whether a copy was painted (the app then does not paint the page from its preview
  // too: it goes straight to loading the document). Decided within 400 ms at most.
  var decide;
  var decision = new Promise(function (resolve) { decide = resolve; });
  window.tandemPage = {
    capture: capture,
    painted: Promise.race([decision, new Promise(function (resolve) { setTimeout(resolve, 400, false); })]),
  };

  var m = /^\/p\/([A-Za-z0-9]+)\/?$/.exec(location.pathname);
  if (!m || !window.indexedDB || !window.crypto || !window.crypto.subtle || !window.TextDecoder) {
    decide(false);
    return;
  }
  var id = m[1];
  var tab = tabOf(location.hash);

  // Until it is known whether there is a copy, the loading screen stays over the app
  // (src/lib.rs `mount` keeps it); without one it goes as before.
  // (This file runs in the head: the loading screen exists once the body is parsed,
  // which is before the app's module script has even fetched the WebAssembly.)
  var looking = true;
  function pending() {
    var b = document.getElementById('boot');
    if (b && looking) b.setAttribute('data-copy-pending', '');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', pending);
  else pending();
  function noCopy() {
    looking = false;
    decide(false);
    var b = document.getElementById('boot');
    if (!b || b.hasAttribute('data-copy')) return;
    b.removeAttribute('data-copy-pending');
    if (window.tandemMounted && b.parentNode) b.parentNode.removeChild(b);
  }
  // Never for long: the app removes it as soon as it shows the partnership.
  setTimeout(function () {
    var b = document.getElementById('boot');
    if (b && (b.hasAttribute('data-copy') || b.hasAttribute('data-copy-pending'))) b.parentNode.removeChild(b);
  }, 20000);

  // Opens a database only if the app made it (never creates one).
  function openExisting(name) {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(name);
      req.onupgradeneeded = function () { req.transaction.abort(); };
      req.onerror = function () { reject(req.error); };
      req.onsuccess = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains('documents')) { db.close(); reject(new Error('empty')); return; }
        resolve(db);
      };
    });
  }
  function read(db, how, doc) {
    return new Promise(function (resolve, reject) {
      var r = db.transaction('documents').objectStore('documents')[how](IDBKeyRange.bound([doc], [doc, '\uffff']));
      r.onsuccess = function () { db.close(); resolve(r.result); };
      r.onerror = function () { db.close(); reject(r.error); };
    });
  }
  // The digest the app names a set of chunks by (src/platform/preview.rs `fingerprint`).
  function fingerprint(keys) {
    var names = keys.map(function (k) { return (k[1] === SNAPSHOT ? 's:' : 'i:') + k[2]; });
    names.sort();
    var text = '';
    for (var i = 0; i < names.length; i++) {
      if (i === 0 || names[i] !== names[i - 1]) text += names[i] + '\n';
    }
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(function (d) {
      return Array.prototype.map.call(new Uint8Array(d), function (b) {
        return (b < 16 ? '0' : '') + b.toString(16);
      }).join('');
    });
  }
  function paint(page) {
    var b = document.getElementById('boot');
    var main = b && b.querySelector('main');
    if (!main) return false; // the app shows the partnership already
    var ru = document.documentElement.lang === 'ru';
    main.className = page.cls;
    main.innerHTML = page.html;
    main.setAttribute('inert', '');
    main.querySelectorAll('[data-copy-style]').forEach(function (e) {
      e.style.cssText = e.getAttribute('data-copy-style');
    });
    var save = main.querySelector('[data-copy-testid="save-state"]');
    if (save) save.textContent = ru ? 'Открываем…' : 'Opening…';
    var status = b.querySelector('.boot-loading') || document.createElement('p');
    status.className = 'sr-only';
    status.setAttribute('role', 'status');
    status.textContent = ru ? 'Открываем партнёрство: пока только для чтения.' : 'Opening the partnership: read-only until it has loaded.';
    b.insertBefore(status, main);
    b.classList.add('opening-copy');
    b.setAttribute('data-copy', id);
    b.removeAttribute('data-copy-pending');
    looking = false;
    decide(true);
    return true;
  }
  // Both databases at once: the copy must be painted before the app is.
  Promise.all([
    openExisting('tandem').then(function (db) { return read(db, 'getAllKeys', id); }),
    openExisting('tandem-preview').then(function (db) { return read(db, 'getAll', 'page:' + id + ':' + tab); }),
  ]).then(function (both) {
    var held = both[0];
    var found = both[1];
    if (!held.length || !found.length) return false;
    return fingerprint(held).then(function (want) {
      for (var i = 0; i < found.length; i++) {
        if (found[i].key[2] !== want) continue;
        var page = JSON.parse(new TextDecoder().decode(found[i].binary));
        return page.v === 1 && page.tab === tab && page.lang === document.documentElement.lang && paint(page);
      }
      return false;
    });
  }).then(function (painted) { if (!painted) noCopy(); }, noCopy);
})();
