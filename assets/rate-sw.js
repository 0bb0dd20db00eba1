/* Hài Lòng – the receipt rating page's service worker.
 *
 * Keeps the rating page a citizen opened from a receipt's QR code, with its script and style,
 * so that it opens again on the phone without network; the rating then waits on the phone (see
 * rate.js) until the server has it. Network first: whenever the server answers, it serves the
 * current page. API calls are never touched.
 *
 * Registered by rate.js with scope "/rate" (served with "Service-Worker-Allowed: /").
 */
'use strict';

var CACHE = 'hailong-rate-v1';
var SHELL = ['/assets/rate.js', '/assets/app.css', '/assets/icon.svg'];

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
          return k.indexOf('hailong-rate-') === 0 && k !== CACHE;
        }).map(function (k) { return caches.delete(k); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

// rate.js asks for the page it shows to be kept (the page was loaded before this worker ran).
self.addEventListener('message', function (event) {
  var url = event.data && event.data.keep;
  if (typeof url === 'string' && new URL(url).origin === self.location.origin) {
    event.waitUntil(caches.open(CACHE).then(function (c) { return c.add(url); }));
  }
});

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  return url.pathname === '/rate' || SHELL.indexOf(url.pathname) >= 0;
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  if (req.method !== 'GET' || !cacheable(new URL(req.url))) return;
  event.respondWith(
    fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { return c.put(req, copy); });
      }
      return res;
    }, function () {
      return caches.match(req).then(function (hit) { return hit || Response.error(); });
    })
  );
});
