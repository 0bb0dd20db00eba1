/* Hài Lòng – kiosk service worker.
 *
 * Keeps the kiosk page, its script, stylesheet and the officials' photos so that a kiosk that is
 * restarted while the server is unreachable still opens and takes ratings (they wait in
 * IndexedDB, see kiosk.js). Network first: whenever the server answers, it serves the current
 * version. API calls (/api/…) are never touched.
 *
 * Registered by kiosk.js with scope "/kiosk"; that needs the response header
 * "Service-Worker-Allowed: /" on this file (it lives under /assets/). Without it the
 * registration is refused and the kiosk simply works without offline start-up.
 */
'use strict';

var CACHE = 'hailong-kiosk-v1';
var SHELL = ['/kiosk', '/assets/kiosk.js', '/assets/kiosk.css', '/assets/icon.svg'];

self.addEventListener('install', function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (c) { return c.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (k) {
          return k.indexOf('hailong-kiosk-') === 0 && k !== CACHE;
        }).map(function (k) { return caches.delete(k); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function cacheKey(url) {
  if (url.origin !== self.location.origin) return null;
  if (SHELL.indexOf(url.pathname) >= 0) return url.pathname;
  if (/^\/officials\/\d+\/photo$/.test(url.pathname)) return url.pathname;
  return null;
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  if (req.method !== 'GET') return;
  var key = cacheKey(new URL(req.url));
  if (!key) return;
  event.respondWith(
    fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { return c.put(key, copy); });
      }
      return res;
    }, function () {
      return caches.match(key).then(function (hit) { return hit || Response.error(); });
    })
  );
});
