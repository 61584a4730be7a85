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
