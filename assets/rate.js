// The citizen's rating from a dossier receipt, on a phone. A rating is kept on the phone
// (localStorage) until the server has it, so a dropped connection loses nothing: it is sent
// again when the network returns or the page is opened again, with the same key, so the
// server stores it once. Without JavaScript the form posts normally.
(function () {
  'use strict';
  var QUEUE = 'hailong.rate.queue';
  var API = '/api/v1/public/dossiers/rating';

  function load() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || '[]'); } catch (e) { return []; }
  }
  function save(q) { localStorage.setItem(QUEUE, JSON.stringify(q)); }
  function drop(key) {
    save(load().filter(function (b) { return b.idempotency_key !== key; }));
  }

  // Resolves to 'stored', 'refused' (with a message) or 'later' (network or server trouble).
  function deliver(body) {
    return fetch(API, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': document.documentElement.lang || 'vi' },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (res.status === 200 || res.status === 201 || res.status === 409) {
        drop(body.idempotency_key);
        return { outcome: 'stored' };
      }
      if (res.status >= 500 || res.status === 429) { return { outcome: 'later' }; }
      drop(body.idempotency_key);
      return res.json().then(function (j) { return { outcome: 'refused', message: j.message }; },
        function () { return { outcome: 'refused', message: '' }; });
    }, function () { return { outcome: 'later' }; });
  }

  function flush() {
    load().forEach(function (body) { deliver(body); });
  }

  function show(form, cls, text) {
    var p = form.querySelector('.rate-status');
    if (!p) {
      p = document.createElement('p');
      p.setAttribute('role', 'status');
      form.insertBefore(p, form.firstChild);
    }
    p.className = 'alert rate-status ' + cls;
    p.textContent = text;
  }

  function collect(form) {
    var body = { answers: [], reasons: [], comment: null, rated_at: Date.now() };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) { return; }
      if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) { return; }
      if (el.name.indexOf('q_') === 0) {
        body.answers.push({ question: el.name.slice(2), level: parseInt(el.value, 10) });
      } else if (el.name === 'reason') {
        body.reasons.push(el.value);
      } else if (el.name === 'comment') {
        body.comment = el.value.trim() || null;
      } else if (el.name === 'code' || el.name === 'secret' || el.name === 'idempotency_key') {
        body[el.name] = el.value;
      }
    });
    return body;
  }

  function thanks(form) {
    var div = document.createElement('div');
    div.className = 'card narrow';
    div.innerHTML = '<p class="alert ok" id="rate-thanks"></p>';
    div.firstChild.textContent = form.getAttribute('data-msg-thanks');
    form.parentNode.replaceChild(div, form);
  }

  // Keep the rating page on the phone so it opens again without network.
  function keepOffline() {
    if (location.pathname !== '/rate' || !('serviceWorker' in navigator) || !window.isSecureContext) {
      return;
    }
    navigator.serviceWorker.register('/assets/rate-sw.js', { scope: '/rate' }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (reg.active) { reg.active.postMessage({ keep: location.href }); }
    }).catch(function () { /* no offline start-up then; sending still queues */ });
  }

  document.addEventListener('DOMContentLoaded', function () {
    keepOffline();
    flush();
    window.addEventListener('online', flush);
    setInterval(function () { if (load().length) { flush(); } }, 15000);
    var form = document.querySelector('form.rate');
    if (!form) { return; }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = collect(form);
      var q = load().filter(function (b) { return b.idempotency_key !== body.idempotency_key; });
      q.push(body);
      save(q);
      form.querySelector('button[type=submit]').disabled = true;
      deliver(body).then(function (r) {
        if (r.outcome === 'stored') {
          thanks(form);
        } else if (r.outcome === 'refused') {
          form.querySelector('button[type=submit]').disabled = false;
          show(form, 'error', r.message);
        } else {
          show(form, 'info', form.getAttribute('data-msg-saved'));
        }
      });
    });
  });
})();
