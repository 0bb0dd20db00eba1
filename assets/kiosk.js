/* Hài Lòng – the counter rating kiosk.
 *
 * A static page: everything comes from /api/v1/kiosk/* with the device token (Bearer hlk_…),
 * which the administrator hands over once as /kiosk#token=hlk_… and which is then kept in
 * localStorage.
 *
 * Every rating is first written to IndexedDB ("hailong-kiosk" / "outbox") under an idempotency
 * key made on the device, then sent. It leaves the outbox only when the server has stored it
 * (201, or 200 "replayed") or has refused it for good (400/409/413/422/429). Network failures and
 * 5xx keep it for a retry with the same key, so the server stores each rating exactly once.
 * The citizen sees the thank-you screen at once either way.
 *
 * No inline scripts or styles (the Content-Security-Policy forbids them); the DOM is built with
 * createElement only, never from HTML strings.
 */
(function () {
  'use strict';

  var KEY_TOKEN = 'hailong.kiosk.token';
  var KEY_LANG = 'hailong.kiosk.lang';
  var KEY_STATE = 'hailong.kiosk.state';
  var KEY_LAST = 'hailong.kiosk.lastRatedAt';
  var KEY_OFFSET = 'hailong.kiosk.clockOffset';
  var KEY_LS_OUTBOX = 'hailong.kiosk.outbox';

  var POLL_MS = 5000;
  var THANKS_MS = 6000;
  var REQUEST_TIMEOUT_MS = 10000;
  var RETRY_MIN_MS = 5000;
  var RETRY_MAX_MS = 30000;
  var NOTICE_MS = 9000;
  /* Kept on top of repeat_seconds so the device never races the server's own lock. */
  var LOCK_MARGIN_MS = 400;
  /* Clock differences below this are treated as network jitter. */
  var CLOCK_TOLERANCE_MS = 2000;

  var SVG_NS = 'http://www.w3.org/2000/svg';

  /* ------------------------------------------------------------------ texts */

  var TEXT = {
    vi: {
      brand: 'Hài Lòng',
      tagline: 'Đánh giá sự hài lòng',
      switchTo: 'English',
      switchToTitle: 'Switch to English',
      onDuty: 'Cán bộ đang tiếp nhận hồ sơ',
      prompt: 'Mời Ông/Bà đánh giá mức độ hài lòng',
      promptHint: 'Chạm vào một biểu tượng để đánh giá',
      noOfficial: 'Chưa có cán bộ làm việc tại quầy',
      noOfficialHint: 'Mời Ông/Bà vui lòng chờ trong giây lát.',
      wait: 'Vui lòng đợi {n} giây',
      waitHint: 'Màn hình sẽ sẵn sàng cho lượt đánh giá tiếp theo trong giây lát.',
      rateTitle: 'Đánh giá cán bộ',
      chooseAll: 'Mời Ông/Bà chọn một mức cho mỗi câu hỏi',
      question: 'Câu {i}',
      dossier: 'Mã hồ sơ (nếu có)',
      dossierPlaceholder: 'Ví dụ: 000.00.22.H42-250101-0001',
      send: 'Gửi đánh giá',
      back: 'Quay lại',
      cancel: 'Hủy',
      skip: 'Bỏ qua',
      reasonsTitle: 'Ông/Bà chưa hài lòng về điều gì?',
      reasonsHint: 'Có thể chọn nhiều ý (không bắt buộc)',
      comment: 'Góp ý thêm (không bắt buộc)',
      commentPlaceholder: 'Nhập góp ý của Ông/Bà…',
      thanks: 'Cảm ơn Ông/Bà đã đánh giá!',
      thanksSub: 'Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.',
      thanksQueued: 'Đánh giá đã được lưu trên máy và sẽ tự động gửi khi có kết nối.',
      backIn: 'Trở về màn hình chính sau {n} giây',
      done: 'Hoàn tất',
      online: 'Đã kết nối',
      offline: 'Mất kết nối máy chủ',
      connecting: 'Đang kết nối…',
      pending: 'Chờ gửi: {n}',
      loading: 'Đang tải thông tin quầy…',
      unreachable: 'Chưa kết nối được máy chủ. Đang thử lại…',
      counter: 'Quầy',
      idleNote: 'Màn hình tự trở về sau {n} giây không thao tác',
      tooSoon: 'Vui lòng đợi giây lát trước khi đánh giá tiếp.'
    },
    en: {
      brand: 'Hài Lòng',
      tagline: 'Citizen satisfaction',
      switchTo: 'Tiếng Việt',
      switchToTitle: 'Chuyển sang tiếng Việt',
      onDuty: 'Official on duty',
      prompt: 'Please rate your satisfaction',
      promptHint: 'Tap a face to rate',
      noOfficial: 'No official is on duty at this counter',
      noOfficialHint: 'Please wait a moment.',
      wait: 'Please wait {n} seconds',
      waitHint: 'The screen will be ready for the next rating shortly.',
      rateTitle: 'Rate the official',
      chooseAll: 'Please choose one level for each question',
      question: 'Question {i}',
      dossier: 'Dossier code (if any)',
      dossierPlaceholder: 'E.g. 000.00.22.H42-250101-0001',
      send: 'Send',
      back: 'Back',
      cancel: 'Cancel',
      skip: 'Skip',
      reasonsTitle: 'What were you not satisfied with?',
      reasonsHint: 'You may choose several (optional)',
      comment: 'Further comments (optional)',
      commentPlaceholder: 'Type your comment…',
      thanks: 'Thank you for your feedback!',
      thanksSub: 'Your opinion helps us serve you better.',
      thanksQueued: 'Your rating is saved on this device and will be sent when the connection returns.',
      backIn: 'Back to the start in {n} s',
      done: 'Done',
      online: 'Online',
      offline: 'Server unreachable',
      connecting: 'Connecting…',
      pending: 'Waiting to send: {n}',
      loading: 'Loading the counter…',
      unreachable: 'Cannot reach the server yet. Retrying…',
      counter: 'Counter',
      idleNote: 'Returns to the start after {n} s without a touch',
      tooSoon: 'Please wait a moment before rating again.'
    }
  };

  /* ------------------------------------------------------------------ storage */

  function lsGet(k) {
    try { return window.localStorage.getItem(k); } catch (e) { return null; }
  }
  function lsSet(k, v) {
    try { window.localStorage.setItem(k, v); } catch (e) { /* full or disabled */ }
  }
  function lsDel(k) {
    try { window.localStorage.removeItem(k); } catch (e) { /* disabled */ }
  }
  function lsJson(k) {
    var s = lsGet(k);
    if (!s) return null;
    try { return JSON.parse(s); } catch (e) { return null; }
  }

  /* ------------------------------------------------------------------ app state */

  var appEl = document.getElementById('app');
  var initialLang = (appEl && appEl.getAttribute('data-lang')) || 'vi';

  var S = {
    lang: normLang(lsGet(KEY_LANG) || initialLang),
    token: lsGet(KEY_TOKEN),
    kiosk: lsJson(KEY_STATE),     // last state received from the server
    online: null,                 // null: not known yet
    screen: 'loading',            // loading | setup | start | rate | extra | thanks
    setupMessage: null,
    draft: null,
    lastRatedAt: Number(lsGet(KEY_LAST)) || 0,
    clockOffset: Number(lsGet(KEY_OFFSET)) || 0,
    lastActivity: Date.now(),
    thanksUntil: 0,
    thanksQueued: false,
    pending: 0,
    notice: null,
    noticeUntil: 0,
    renderedLock: false
  };

  function normLang(l) { return l === 'en' ? 'en' : 'vi'; }

  function t(key, params) {
    var s = (TEXT[S.lang] && TEXT[S.lang][key]) || TEXT.vi[key] || key;
    if (params) {
      Object.keys(params).forEach(function (p) { s = s.split('{' + p + '}').join(String(params[p])); });
    }
    return s;
  }
  function tl(item) {
    if (!item) return '';
    return S.lang === 'en' ? (item.label_en || item.label_vi) : (item.label_vi || item.label_en);
  }

  /* The device clock corrected by the server's (ratings are judged by the time they were made). */
  function deviceNow() { return Date.now() + S.clockOffset; }

  function lockRemainingMs() {
    if (!S.kiosk || !S.lastRatedAt) return 0;
    var until = S.lastRatedAt + S.kiosk.repeat_seconds * 1000 + LOCK_MARGIN_MS;
    return Math.max(0, until - deviceNow());
  }

  function idleMs() {
    var s = S.kiosk && S.kiosk.idle_seconds ? S.kiosk.idle_seconds : 20;
    return Math.max(5, s) * 1000;
  }

  /* ------------------------------------------------------------------ token from the link */

  (function takeTokenFromHash() {
    var hash = window.location.hash || '';
    var m = /(?:^#|&)token=([^&]+)/.exec(hash);
    if (!m) return;
    var tok = decodeURIComponent(m[1]).trim();
    if (tok) {
      if (tok !== S.token) {
        S.kiosk = null;
        lsDel(KEY_STATE);
      }
      S.token = tok;
      lsSet(KEY_TOKEN, tok);
    }
    try {
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
    } catch (e) {
      window.location.hash = '';
    }
  })();

  /* ------------------------------------------------------------------ idempotency keys */

  function newKey() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') {
      try { return c.randomUUID(); } catch (e) { /* insecure context */ }
    }
    var b = new Uint8Array(16);
    if (c && typeof c.getRandomValues === 'function') {
      c.getRandomValues(b);
    } else {
      for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' +
      hex.slice(16, 20) + '-' + hex.slice(20);
  }

  /* ------------------------------------------------------------------ the outbox */

  var Outbox = (function () {
    var dbPromise = null;
    var useLocal = false;

    function open() {
      if (useLocal) return Promise.reject(new Error('IndexedDB unavailable'));
      if (dbPromise) return dbPromise;
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error('no IndexedDB')); return; }
        var req;
        try { req = window.indexedDB.open('hailong-kiosk', 1); } catch (e) { reject(e); return; }
        req.onupgradeneeded = function () {
          var db = req.result;
          if (!db.objectStoreNames.contains('outbox')) {
            db.createObjectStore('outbox', { keyPath: 'idempotency_key' });
          }
        };
        req.onsuccess = function () {
          var db = req.result;
          db.onversionchange = function () { db.close(); dbPromise = null; };
          db.onclose = function () { dbPromise = null; };
          resolve(db);
        };
        req.onerror = function () { reject(req.error || new Error('IndexedDB open failed')); };
        req.onblocked = function () { reject(new Error('IndexedDB blocked')); };
      }).catch(function (e) {
        console.error('[kiosk] IndexedDB unavailable, keeping the outbox in localStorage', e);
        useLocal = true;
        dbPromise = null;
        throw e;
      });
      return dbPromise;
    }

    function tx(mode, work) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var trans;
          try {
            trans = mode === 'readwrite'
              ? db.transaction('outbox', 'readwrite', { durability: 'strict' })
              : db.transaction('outbox', 'readonly');
          } catch (e) {
            try { trans = db.transaction('outbox', mode); } catch (e2) { reject(e2); return; }
          }
          var result;
          var req = work(trans.objectStore('outbox'));
          if (req) req.onsuccess = function () { result = req.result; };
          trans.oncomplete = function () { resolve(result); };
          trans.onerror = function () { reject(trans.error || new Error('IndexedDB error')); };
          trans.onabort = function () { reject(trans.error || new Error('IndexedDB abort')); };
        });
      });
    }

    function localAll() {
      var m = lsJson(KEY_LS_OUTBOX) || {};
      return Object.keys(m).map(function (k) { return m[k]; });
    }
    function localPut(rec) {
      var m = lsJson(KEY_LS_OUTBOX) || {};
      m[rec.idempotency_key] = rec;
      lsSet(KEY_LS_OUTBOX, JSON.stringify(m));
    }
    function localDel(key) {
      var m = lsJson(KEY_LS_OUTBOX) || {};
      delete m[key];
      lsSet(KEY_LS_OUTBOX, JSON.stringify(m));
    }

    function byAge(a, b) { return (a.created_at || 0) - (b.created_at || 0); }

    return {
      put: function (rec) {
        return tx('readwrite', function (st) { return st.put(rec); })
          .catch(function () { localPut(rec); });
      },
      del: function (key) {
        localDel(key);
        return tx('readwrite', function (st) { return st['delete'](key); })
          .catch(function () { /* already gone from localStorage */ });
      },
      all: function () {
        var local = localAll();
        return tx('readonly', function (st) { return st.getAll(); })
          .catch(function () { return []; })
          .then(function (rows) {
            var seen = {};
            var out = [];
            (rows || []).concat(local).forEach(function (r) {
              if (r && r.idempotency_key && !seen[r.idempotency_key]) {
                seen[r.idempotency_key] = true;
                out.push(r);
              }
            });
            return out.sort(byAge);
          });
      }
    };
  })();

  /* ------------------------------------------------------------------ HTTP */

  function api(method, path, body, token) {
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, REQUEST_TIMEOUT_MS);
    var headers = { 'Accept': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== null && body !== undefined) headers['Content-Type'] = 'application/json';
    return window.fetch(path, {
      method: method,
      headers: headers,
      body: body !== null && body !== undefined ? JSON.stringify(body) : undefined,
      cache: 'no-store',
      credentials: 'omit',
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: res.status, body: data };
      });
    }).then(function (r) {
      clearTimeout(timer);
      return r;
    }, function (e) {
      clearTimeout(timer);
      throw e;
    });
  }

  /* ------------------------------------------------------------------ server state */

  var pollInFlight = null;

  function signature(k) {
    if (!k) return '';
    return JSON.stringify([k.device, k.counter, k.official, k.form, k.repeat_seconds, k.idle_seconds]);
  }

  function poll() {
    if (!S.token) return Promise.resolve();
    if (pollInFlight) return pollInFlight;
    var token = S.token;
    var sentAt = Date.now();
    pollInFlight = api('GET', '/api/v1/kiosk/state', null, token).then(function (r) {
      if (token !== S.token) return;
      if (r.status === 200 && r.body && r.body.form) {
        var back = Date.now();
        if (typeof r.body.server_time === 'number') {
          var off = r.body.server_time - (sentAt + back) / 2;
          S.clockOffset = Math.abs(off) > CLOCK_TOLERANCE_MS ? Math.round(off) : 0;
          lsSet(KEY_OFFSET, String(S.clockOffset));
        }
        setOnline(true);
        applyState(r.body);
        flush();
      } else if (r.status === 401) {
        unauthorized();
      } else {
        setOnline(false);
      }
    }, function () {
      if (token === S.token) setOnline(false);
    }).then(function () {
      pollInFlight = null;
    }, function (e) {
      pollInFlight = null;
      console.error('[kiosk] state poll failed', e);
    });
    return pollInFlight;
  }

  function applyState(k) {
    var changed = signature(k) !== signature(S.kiosk);
    S.kiosk = k;
    lsSet(KEY_STATE, JSON.stringify(k));
    S.setupMessage = null;
    if (S.screen === 'loading' || S.screen === 'setup') {
      S.screen = 'start';
      render();
    } else if (S.screen === 'start' && changed) {
      render();
    } else if (changed) {
      renderChrome();
    }
  }

  function unauthorized() {
    /* Stop polling with a token the server refuses; it stays stored until a new one is saved. */
    S.token = null;
    S.online = true; /* the server answered: it is reachable */
    S.setupMessage = 'revoked';
    S.draft = null;
    S.screen = 'setup';
    render();
  }

  function setOnline(on) {
    if (S.online === on) return;
    S.online = on;
    updateStatus();
    if (S.screen === 'loading') render();
  }

  /* ------------------------------------------------------------------ delivery */

  var flushing = false;
  var flushAgain = false;
  var retryTimer = null;
  var retryDelay = RETRY_MIN_MS;

  /* Refusals that can never succeed: drop the rating (the citizen already saw the thank-you). */
  function isPermanent(status) {
    return status === 400 || status === 409 || status === 413 || status === 422 || status === 429;
  }

  function scheduleRetry() {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  function flush() {
    if (flushing) { flushAgain = true; return; }
    flushing = true;
    flushAgain = false;
    Outbox.all().then(function (recs) {
      S.pending = recs.length;
      updateStatus();
      return sendFrom(recs, 0);
    }).catch(function (e) {
      console.error('[kiosk] outbox flush failed', e);
      scheduleRetry();
    }).then(function () {
      flushing = false;
      return refreshPending();
    }).then(function () {
      if (flushAgain) flush();
    });
  }

  function sendFrom(recs, i) {
    if (i >= recs.length) return Promise.resolve();
    var rec = recs[i];
    var token = rec.token || S.token;
    var next = function () { return sendFrom(recs, i + 1); };
    if (!token) return next();
    return api('POST', '/api/v1/kiosk/ratings', rec.body, token).then(function (r) {
      if (r.status === 201 || r.status === 200) {
        setOnline(true);
        retryDelay = RETRY_MIN_MS;
        return Outbox.del(rec.idempotency_key).then(function () {
          S.pending = Math.max(0, S.pending - 1);
          updateStatus();
        }).then(next);
      }
      if (r.status === 401) {
        console.warn('[kiosk] rating kept: the device token was refused', rec.idempotency_key);
        if (token === S.token) unauthorized();
        return next();
      }
      if (isPermanent(r.status)) {
        setOnline(true);
        console.warn('[kiosk] rating refused by the server and dropped',
          rec.idempotency_key, r.status, r.body);
        if (r.status === 429 && Date.now() - (rec.created_at || 0) < 120000) {
          showNotice(r.body, 'tooSoon');
        }
        return Outbox.del(rec.idempotency_key).then(next);
      }
      /* 5xx, 404 during a deploy, 408…: keep it for later, with the same key. */
      if (r.status >= 500) setOnline(false);
      console.warn('[kiosk] rating kept for a retry', rec.idempotency_key, r.status);
      scheduleRetry();
      return null;
    }, function () {
      setOnline(false);
      scheduleRetry();
      return null;
    });
  }

  function refreshPending() {
    return Outbox.all().then(function (recs) {
      S.pending = recs.length;
      updateStatus();
    }, function () { /* keep the last count */ });
  }

  /* ------------------------------------------------------------------ DOM helpers */

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') el.textContent = v;
        else if (k === 'onclick') el.addEventListener('click', v);
        else if (k === 'class') el.className = v;
        else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    if (children === null || children === undefined) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
  }
  function svg(tag, attrs) {
    var el = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  /* A simple face: 5 beaming … 1 very sad. Colours come from the stylesheet. */
  function face(level) {
    var s = svg('svg', { viewBox: '0 0 64 64', 'class': 'face', 'aria-hidden': 'true', focusable: 'false' });
    s.appendChild(svg('circle', { cx: '32', cy: '32', r: '30', 'class': 'face-bg' }));
    var eyeY = level <= 2 ? '27' : '25';
    s.appendChild(svg('circle', { cx: '22', cy: eyeY, r: '4.2', 'class': 'face-fill' }));
    s.appendChild(svg('circle', { cx: '42', cy: eyeY, r: '4.2', 'class': 'face-fill' }));
    var mouth;
    switch (level) {
      case 5:
        s.appendChild(svg('path', { d: 'M17 36 Q32 58 47 36 Z', 'class': 'face-fill face-line' }));
        return s;
      case 4: mouth = 'M19 39 Q32 52 45 39'; break;
      case 3: mouth = 'M20 43 L44 43'; break;
      case 2: mouth = 'M20 48 Q32 38 44 48'; break;
      default:
        mouth = 'M18 50 Q32 33 46 50';
        s.appendChild(svg('path', { d: 'M14 18 L27 22', 'class': 'face-line thin' }));
        s.appendChild(svg('path', { d: 'M50 18 L37 22', 'class': 'face-line thin' }));
    }
    s.appendChild(svg('path', { d: mouth, 'class': 'face-line' }));
    return s;
  }

  function checkMark() {
    var s = svg('svg', { viewBox: '0 0 96 96', 'class': 'thanks-icon', 'aria-hidden': 'true' });
    s.appendChild(svg('circle', { cx: '48', cy: '48', r: '44', 'class': 'thanks-bg' }));
    s.appendChild(svg('path', { d: 'M27 50 L42 64 L70 34', 'class': 'thanks-check' }));
    return s;
  }

  function globe() {
    var s = svg('svg', { viewBox: '0 0 24 24', 'class': 'icon-globe', 'aria-hidden': 'true' });
    s.appendChild(svg('circle', { cx: '12', cy: '12', r: '9.5' }));
    s.appendChild(svg('path', { d: 'M2.5 12 H21.5 M12 2.5 C7 7 7 17 12 21.5 M12 2.5 C17 7 17 17 12 21.5' }));
    return s;
  }

  function clock() {
    var s = svg('svg', { viewBox: '0 0 64 64', 'class': 'icon-clock', 'aria-hidden': 'true' });
    s.appendChild(svg('circle', { cx: '32', cy: '32', r: '27' }));
    s.appendChild(svg('path', { d: 'M32 16 V32 L43 39', 'class': 'hand' }));
    return s;
  }

  function initials(name) {
    var w = String(name || '').trim().split(/\s+/).filter(Boolean);
    return w.slice(-2).map(function (x) { return x.charAt(0).toUpperCase(); }).join('');
  }

  function photo(official, cls) {
    var box = h('div', { 'class': 'photo ' + (cls || '') });
    var img = h('img', { src: official.photo_url, alt: official.full_name, draggable: 'false' });
    img.addEventListener('error', function () {
      box.textContent = '';
      box.appendChild(h('span', { 'class': 'photo-initials', text: initials(official.full_name) }));
      box.classList.add('no-photo');
    });
    box.appendChild(img);
    return box;
  }

  /* ------------------------------------------------------------------ rendering */

  function render() {
    if (!appEl) return;
    document.documentElement.lang = S.lang;
    S.renderedLock = false;
    appEl.textContent = '';
    appEl.setAttribute('data-screen', S.screen);
    appEl.appendChild(topbar());
    var main = h('main', { 'class': 'screen screen-' + S.screen, id: 'kiosk-screen', 'data-screen': S.screen });
    switch (S.screen) {
      case 'setup': renderSetup(main); break;
      case 'start': renderStart(main); break;
      case 'rate': renderRate(main); break;
      case 'extra': renderExtra(main); break;
      case 'thanks': renderThanks(main); break;
      default: renderLoading(main);
    }
    appEl.appendChild(main);
    appEl.appendChild(statusbar());
    updateStatus();
    updateCountdowns();
  }

  /* Header and footer only (used when the state changes in the middle of a rating). */
  function renderChrome() {
    var top = document.getElementById('kiosk-top');
    if (top) top.parentNode.replaceChild(topbar(), top);
    updateStatus();
  }

  function topbar() {
    var k = S.kiosk;
    var place = null;
    if (k && S.screen !== 'setup') {
      place = h('div', { 'class': 'place' }, [
        h('span', { 'class': 'place-counter', id: 'kiosk-counter', text: k.counter.name }),
        h('span', { 'class': 'place-unit', text: [k.counter.center_name, k.counter.unit_name].filter(Boolean).join(' · ') })
      ]);
    }
    var langBtn = h('button', {
      type: 'button', 'class': 'lang-switch', id: 'kiosk-lang',
      'data-lang': S.lang, title: t('switchToTitle'), lang: S.lang === 'vi' ? 'en' : 'vi'
    }, [globe(), h('span', { text: t('switchTo') })]);
    langBtn.addEventListener('click', function () {
      S.lang = S.lang === 'vi' ? 'en' : 'vi';
      lsSet(KEY_LANG, S.lang);
      render();
    });
    return h('header', { 'class': 'topbar', id: 'kiosk-top' }, [
      h('div', { 'class': 'brand' }, [
        h('img', { src: '/assets/icon.svg', alt: '', 'class': 'brand-icon', draggable: 'false' }),
        h('div', { 'class': 'brand-text' }, [
          h('strong', { text: t('brand') }),
          h('span', { text: t('tagline') })
        ])
      ]),
      place,
      langBtn
    ]);
  }

  function statusbar() {
    var device = S.kiosk && S.kiosk.device ? S.kiosk.device.name : '';
    return h('footer', { 'class': 'statusbar' }, [
      h('span', { 'class': 'device', text: device }),
      h('span', { 'class': 'notice', id: 'kiosk-notice', role: 'status' }),
      h('span', { 'class': 'pending', id: 'kiosk-pending', 'data-count': '0' }),
      h('span', { 'class': 'conn', id: 'kiosk-conn', 'data-online': 'unknown' }, [
        h('span', { 'class': 'dot', 'aria-hidden': 'true' }),
        h('span', { 'class': 'conn-text' })
      ])
    ]);
  }

  function updateStatus() {
    var conn = document.getElementById('kiosk-conn');
    if (conn) {
      var state = S.online === null ? 'unknown' : (S.online ? 'true' : 'false');
      conn.setAttribute('data-online', state);
      var txt = conn.querySelector('.conn-text');
      if (txt) txt.textContent = S.online === null ? t('connecting') : (S.online ? t('online') : t('offline'));
    }
    var p = document.getElementById('kiosk-pending');
    if (p) {
      p.setAttribute('data-count', String(S.pending));
      p.textContent = t('pending', { n: S.pending });
      p.classList.toggle('is-empty', S.pending === 0);
    }
    var n = document.getElementById('kiosk-notice');
    if (n) {
      var show = S.notice && Date.now() < S.noticeUntil;
      n.textContent = show ? S.notice : '';
      n.classList.toggle('is-shown', !!show);
    }
  }

  function showNotice(body, fallbackKey) {
    var msg = body && (S.lang === 'en' ? (body.message_en || body.message) : (body.message_vi || body.message));
    S.notice = msg || t(fallbackKey);
    S.noticeUntil = Date.now() + NOTICE_MS;
    updateStatus();
  }

  function renderLoading(main) {
    main.appendChild(h('div', { 'class': 'loading-box' }, [
      h('div', { 'class': 'spinner', 'aria-hidden': 'true' }),
      h('p', { 'class': 'big', text: S.online === false ? t('unreachable') : t('loading') })
    ]));
  }

  function renderSetup(main) {
    var input = h('input', {
      type: 'text', id: 'kiosk-token-input', 'class': 'token-input', autocomplete: 'off',
      autocapitalize: 'off', spellcheck: 'false', placeholder: 'hlk_…', 'aria-label': 'Mã thiết bị / Device token'
    });
    var err = h('p', { 'class': 'setup-error', id: 'kiosk-setup-error', role: 'alert' });
    if (S.setupMessage === 'revoked') {
      append(err, [
        h('span', { text: 'Mã thiết bị không hợp lệ hoặc đã bị thu hồi. Vui lòng nhập mã mới.' }),
        h('br'),
        h('span', { 'class': 'en', text: 'The device token is unknown or revoked. Please enter a new one.' })
      ]);
    } else if (S.setupMessage === 'format') {
      append(err, [
        h('span', { text: 'Mã thiết bị phải bắt đầu bằng “hlk_”.' }),
        h('br'),
        h('span', { 'class': 'en', text: 'The device token starts with “hlk_”.' })
      ]);
    }
    var save = h('button', { type: 'submit', 'class': 'btn btn-primary', id: 'kiosk-token-save' }, 'Lưu · Save');
    var form = h('form', { 'class': 'setup-form', autocomplete: 'off' }, [
      h('label', { 'for': 'kiosk-token-input' }, [
        h('span', { text: 'Mã thiết bị' }), ' · ', h('span', { 'class': 'en', text: 'Device token' })
      ]),
      input,
      save
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var tok = input.value.trim();
      var m = /token=([^&\s]+)/.exec(tok);
      if (m) tok = decodeURIComponent(m[1]);
      if (!/^hlk_[A-Za-z0-9_-]+$/.test(tok)) {
        S.setupMessage = 'format';
        render();
        return;
      }
      S.token = tok;
      lsSet(KEY_TOKEN, tok);
      S.kiosk = null;
      lsDel(KEY_STATE);
      S.setupMessage = null;
      S.screen = 'loading';
      render();
      poll();
    });
    main.appendChild(h('div', { 'class': 'setup-card', id: 'kiosk-setup' }, [
      h('h1', {}, [h('span', { text: 'Cài đặt màn hình đánh giá' })]),
      h('p', { 'class': 'en-title', text: 'Rating kiosk setup' }),
      h('p', {}, [
        'Dán mã thiết bị (bắt đầu bằng “hlk_”) mà quản trị viên nhận được khi đăng ký màn hình này tại quầy.'
      ]),
      h('p', { 'class': 'en' }, [
        'Paste the device token (starting with “hlk_”) the administrator received when registering this screen for the counter.'
      ]),
      err,
      form
    ]));
    setTimeout(function () { if (document.activeElement !== input) input.focus(); }, 0);
  }

  function officialCard(o, k) {
    return h('section', { 'class': 'official', id: 'kiosk-official', 'data-official-id': String(o.id) }, [
      photo(o, 'photo-large'),
      h('div', { 'class': 'official-text' }, [
        h('p', { 'class': 'on-duty', text: t('onDuty') }),
        h('h1', { 'class': 'official-name', id: 'kiosk-official-name', text: o.full_name }),
        o.title ? h('p', { 'class': 'official-title', text: o.title }) : null,
        h('p', { 'class': 'official-counter' }, [
          h('span', { 'class': 'chip', text: k.counter.name })
        ]),
        h('p', { 'class': 'official-unit', text: k.counter.unit_name })
      ])
    ]);
  }

  function levelButtons(q, levels, selected, onPick, big) {
    var row = h('div', {
      'class': 'levels levels-' + levels.length + (big ? ' levels-big' : ''),
      role: 'group', 'data-question': q.key, 'aria-label': tl(q)
    });
    levels.forEach(function (lv) {
      var isSel = selected === lv.level;
      var b = h('button', {
        type: 'button',
        'class': 'level level-' + lv.level + (isSel ? ' is-selected' : ''),
        'data-question': q.key,
        'data-level': String(lv.level),
        'aria-pressed': isSel ? 'true' : 'false'
      }, [face(lv.level), h('span', { 'class': 'level-label', text: tl(lv) })]);
      b.addEventListener('click', function () { onPick(lv.level); });
      row.appendChild(b);
    });
    return row;
  }

  function renderStart(main) {
    var k = S.kiosk;
    if (!k) { renderLoading(main); return; }
    var o = k.official;
    if (!o) {
      main.classList.add('no-official');
      main.appendChild(h('div', { 'class': 'empty-card', id: 'kiosk-no-official' }, [
        h('div', { 'class': 'empty-icon', 'aria-hidden': 'true' }, [emptyDesk()]),
        h('h1', { text: t('noOfficial') }),
        h('p', { 'class': 'big muted', text: t('noOfficialHint') }),
        h('p', { 'class': 'chip chip-large', text: k.counter.name })
      ]));
      return;
    }
    var left = officialCard(o, k);
    var right = h('section', { 'class': 'ask', id: 'kiosk-ask' });
    right.appendChild(h('h2', { 'class': 'prompt', id: 'kiosk-prompt', text: t('prompt') }));
    var locked = lockRemainingMs() > 0;
    S.renderedLock = locked;
    if (locked) {
      right.appendChild(h('div', { 'class': 'wait-box', id: 'kiosk-wait' }, [
        clock(),
        h('p', { 'class': 'wait-text', 'data-countdown': 'lock' }),
        h('p', { 'class': 'muted', text: t('waitHint') })
      ]));
    } else {
      var q = k.form.questions[0];
      right.appendChild(h('p', { 'class': 'question-label', text: tl(q) }));
      right.appendChild(levelButtons(q, k.form.levels, null, function (level) {
        startRating(q.key, level);
      }, true));
      right.appendChild(h('p', { 'class': 'hint', text: t('promptHint') }));
    }
    main.appendChild(left);
    main.appendChild(right);
  }

  function emptyDesk() {
    var s = svg('svg', { viewBox: '0 0 120 96', 'class': 'desk' });
    s.appendChild(svg('rect', { x: '10', y: '52', width: '100', height: '10', rx: '3', 'class': 'desk-top' }));
    s.appendChild(svg('rect', { x: '18', y: '62', width: '8', height: '30', 'class': 'desk-leg' }));
    s.appendChild(svg('rect', { x: '94', y: '62', width: '8', height: '30', 'class': 'desk-leg' }));
    s.appendChild(svg('circle', { cx: '60', cy: '22', r: '13', 'class': 'desk-person' }));
    s.appendChild(svg('path', { d: 'M38 52 Q40 36 60 36 Q80 36 82 52 Z', 'class': 'desk-person' }));
    return s;
  }

  function startRating(questionKey, level) {
    var k = S.kiosk;
    if (!k || !k.official || lockRemainingMs() > 0) { render(); return; }
    var answers = {};
    answers[questionKey] = level;
    S.draft = {
      official: k.official,
      sessionId: k.official.session_id,
      form: k.form,
      answers: answers,
      reasons: [],
      comment: '',
      dossier: ''
    };
    S.screen = 'rate';
    render();
  }

  function allAnswered(d) {
    return d.form.questions.every(function (q) { return typeof d.answers[q.key] === 'number'; });
  }
  function anyLow(d) {
    return d.form.questions.some(function (q) { return d.answers[q.key] <= 3; });
  }

  function renderRate(main) {
    var d = S.draft;
    if (!d) { S.screen = 'start'; renderStart(main); return; }
    var o = d.official;
    main.appendChild(h('div', { 'class': 'mini-official' }, [
      photo(o, 'photo-small'),
      h('div', {}, [
        h('p', { 'class': 'mini-label', text: t('rateTitle') }),
        h('p', { 'class': 'mini-name', text: o.full_name }),
        o.title ? h('p', { 'class': 'mini-title', text: o.title }) : null
      ])
    ]));
    var list = h('div', { 'class': 'questions', id: 'kiosk-questions' });
    var many = d.form.questions.length > 1;
    d.form.questions.forEach(function (q, i) {
      list.appendChild(h('section', {
        'class': 'question' + (typeof d.answers[q.key] === 'number' ? ' is-answered' : ''),
        'data-question': q.key
      }, [
        h('h2', { 'class': 'question-label' }, [
          many ? h('span', { 'class': 'qnum', text: String(i + 1) }) : null,
          tl(q)
        ]),
        levelButtons(q, d.form.levels, d.answers[q.key], function (level) {
          d.answers[q.key] = level;
          render();
        }, false)
      ]));
    });
    main.appendChild(list);

    var dossier = h('input', {
      type: 'text', id: 'kiosk-dossier', 'class': 'dossier-input', maxlength: '40',
      autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
      placeholder: t('dossierPlaceholder')
    });
    dossier.value = d.dossier;
    dossier.addEventListener('input', function () { d.dossier = dossier.value; });

    var ready = allAnswered(d);
    var send = h('button', {
      type: 'button', 'class': 'btn btn-primary btn-send', id: 'kiosk-send',
      disabled: ready ? null : true
    }, t('send'));
    send.addEventListener('click', function () {
      if (!allAnswered(d)) return;
      if (anyLow(d) && (d.form.reasons.length > 0 || d.form.allow_comment)) {
        S.screen = 'extra';
        render();
      } else {
        submit(false);
      }
    });
    var back = h('button', { type: 'button', 'class': 'btn btn-secondary', id: 'kiosk-back' }, t('back'));
    back.addEventListener('click', goStart);

    main.appendChild(h('div', { 'class': 'actions' }, [
      back,
      h('label', { 'class': 'dossier', 'for': 'kiosk-dossier' }, [h('span', { text: t('dossier') }), dossier]),
      h('div', { 'class': 'send-wrap' }, [
        send,
        ready ? null : h('p', { 'class': 'hint', text: t('chooseAll') })
      ])
    ]));
  }

  function renderExtra(main) {
    var d = S.draft;
    if (!d) { S.screen = 'start'; renderStart(main); return; }
    main.appendChild(h('h1', { 'class': 'extra-title', text: t('reasonsTitle') }));
    if (d.form.reasons.length > 0) {
      main.appendChild(h('p', { 'class': 'muted extra-hint', text: t('reasonsHint') }));
      var grid = h('div', { 'class': 'reasons', id: 'kiosk-reasons' });
      d.form.reasons.forEach(function (r) {
        var on = d.reasons.indexOf(r.key) >= 0;
        var b = h('button', {
          type: 'button', 'class': 'reason' + (on ? ' is-selected' : ''),
          'data-reason': r.key, 'aria-pressed': on ? 'true' : 'false'
        }, [h('span', { 'class': 'tick', 'aria-hidden': 'true' }), h('span', { text: tl(r) })]);
        b.addEventListener('click', function () {
          var i = d.reasons.indexOf(r.key);
          if (i >= 0) d.reasons.splice(i, 1); else d.reasons.push(r.key);
          var sel = d.reasons.indexOf(r.key) >= 0;
          b.classList.toggle('is-selected', sel);
          b.setAttribute('aria-pressed', sel ? 'true' : 'false');
        });
        grid.appendChild(b);
      });
      main.appendChild(grid);
    }
    if (d.form.allow_comment) {
      var ta = h('textarea', {
        id: 'kiosk-comment', 'class': 'comment', maxlength: '1000', rows: '2',
        placeholder: t('commentPlaceholder')
      });
      ta.value = d.comment;
      ta.addEventListener('input', function () { d.comment = ta.value; });
      main.appendChild(h('label', { 'class': 'comment-label', 'for': 'kiosk-comment', text: t('comment') }));
      main.appendChild(ta);
    }
    var skip = h('button', { type: 'button', 'class': 'btn btn-secondary', id: 'kiosk-skip' }, t('skip'));
    skip.addEventListener('click', function () { submit(false); });
    var send = h('button', { type: 'button', 'class': 'btn btn-primary btn-send', id: 'kiosk-send' }, t('send'));
    send.addEventListener('click', function () { submit(true); });
    var back = h('button', { type: 'button', 'class': 'btn btn-ghost', id: 'kiosk-back' }, t('back'));
    back.addEventListener('click', function () { S.screen = 'rate'; render(); });
    main.appendChild(h('div', { 'class': 'actions' }, [back, h('span', { 'class': 'grow' }), skip, send]));
  }

  function renderThanks(main) {
    var done = h('button', { type: 'button', 'class': 'btn btn-secondary', id: 'kiosk-done' }, t('done'));
    done.addEventListener('click', goStart);
    main.appendChild(h('div', { 'class': 'thanks-card', id: 'kiosk-thanks' }, [
      checkMark(),
      h('h1', { text: t('thanks') }),
      h('p', { 'class': 'big', text: t('thanksSub') }),
      S.thanksQueued ? h('p', { 'class': 'queued-note', text: t('thanksQueued') }) : null,
      h('p', { 'class': 'muted', 'data-countdown': 'thanks' }),
      done
    ]));
  }

  function updateCountdowns() {
    var lock = document.querySelector('[data-countdown="lock"]');
    if (lock) lock.textContent = t('wait', { n: Math.max(1, Math.ceil(lockRemainingMs() / 1000)) });
    var back = document.querySelector('[data-countdown="thanks"]');
    if (back) back.textContent = t('backIn', { n: Math.max(0, Math.ceil((S.thanksUntil - Date.now()) / 1000)) });
  }

  /* ------------------------------------------------------------------ actions */

  function goStart() {
    S.draft = null;
    S.screen = S.token ? (S.kiosk ? 'start' : 'loading') : 'setup';
    render();
    poll();
  }

  function submit(withExtras) {
    var d = S.draft;
    if (!d || !allAnswered(d)) return;
    S.draft = null; /* a second tap does nothing */
    var low = anyLow(d);
    var comment = withExtras && low && d.form.allow_comment ? d.comment.trim() : '';
    var dossier = d.dossier.trim();
    var ratedAt = deviceNow();
    var key = newKey();
    var body = {
      idempotency_key: key,
      session_id: d.sessionId,
      form_version_id: d.form.version_id,
      rated_at: ratedAt,
      answers: d.form.questions.map(function (q) { return { question: q.key, level: d.answers[q.key] }; }),
      reasons: withExtras && low ? d.reasons.slice() : [],
      comment: comment || null,
      dossier_code: dossier || null
    };
    var rec = { idempotency_key: key, body: body, token: S.token, created_at: Date.now() };

    S.lastRatedAt = ratedAt;
    lsSet(KEY_LAST, String(ratedAt));
    S.thanksQueued = S.online === false;
    S.thanksUntil = Date.now() + THANKS_MS;
    S.screen = 'thanks';
    render();

    S.pending += 1;
    updateStatus();
    Outbox.put(rec).then(function () {
      flush();
    }, function (e) {
      console.error('[kiosk] could not store the rating on the device', e);
      flush();
    });
  }

  /* ------------------------------------------------------------------ timers and events */

  function tick() {
    var now = Date.now();
    if ((S.screen === 'rate' || S.screen === 'extra') && now - S.lastActivity > idleMs()) {
      goStart();
      return;
    }
    if (S.screen === 'thanks' && now >= S.thanksUntil) {
      goStart();
      return;
    }
    if (S.screen === 'start' && S.renderedLock && lockRemainingMs() <= 0) {
      render();
      return;
    }
    if (S.notice && now >= S.noticeUntil) {
      S.notice = null;
      updateStatus();
    }
    updateCountdowns();
  }

  function activity() { S.lastActivity = Date.now(); }
  ['pointerdown', 'touchstart', 'keydown', 'input', 'wheel'].forEach(function (ev) {
    document.addEventListener(ev, activity, { capture: true, passive: true });
  });
  document.addEventListener('contextmenu', function (ev) { ev.preventDefault(); });

  window.addEventListener('online', function () { poll(); flush(); });
  window.addEventListener('offline', function () { setOnline(false); });
  window.addEventListener('storage', function (ev) {
    if (ev.key === KEY_LANG && ev.newValue) { S.lang = normLang(ev.newValue); render(); }
  });

  /* ------------------------------------------------------------------ start */

  if (!S.token) {
    S.screen = 'setup';
  } else if (S.kiosk) {
    S.screen = 'start';
  }
  render();
  refreshPending().then(function () { flush(); });
  poll();
  setInterval(poll, POLL_MS);
  setInterval(tick, 500);

  /* Offline start-up: a service worker keeps the page and its assets (see kiosk-sw.js). Needs a
   * secure context (HTTPS or localhost); without it the kiosk still works while it stays open. */
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/assets/kiosk-sw.js', { scope: '/kiosk' }).catch(function (e) {
      console.info('[kiosk] no offline start-up (service worker not registered):', e && e.message);
    });
  }

  /* Exposed for diagnostics from the browser console. */
  window.hailongKiosk = {
    flush: flush,
    poll: poll,
    pending: function () { return S.pending; }
  };
})();
