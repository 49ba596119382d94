// Working offline a little. Served at the app's root (/sw.js, webapp/offline.py), so its
// scope is every page; static/app.js registers it and talks to it with postMessage.
//
// - Pages: the Today list (/sessions?tab=today, its parameters in any order) and every lesson
//   page (/sessions/<id>/lessons/<date>) come from the network first; each good answer is kept,
//   and offline the kept copy is shown (app.js adds "You are offline. This is the copy of
//   HH:MM."). The Today page asks for its lessons' pages to be kept too (message "precache").
//   Any other page offline gets a small page saying so, never the browser's own error.
//   The copies belong to one login: a page of another user, a page without a login (the
//   login page) or a logout empties them.
// - Static files: cache-first when their URL carries a ?v= fingerprint, else network-first.
// - Marks: a POST to a lesson URL that cannot reach the server is kept in IndexedDB (URL,
//   headers with the CSRF token and HX-Request, form body, time, a label) and answered "saved
//   on this device". On "replay" (app.js: on every page load and when the browser is back
//   online; Background Sync where there is one) they are sent in order: a 2xx is sent; a
//   refusal (409, 412, 422, 400, …) is moved to the refused list, which app.js shows with the
//   reason until dismissed; a network failure (or 429, 502–504) leaves them queued.
"use strict";

const PAGES = "pages-v1";
const STATIC = "static-v1";
const ROOT = new URL(self.registration.scope).pathname;  // "/" or "/prefix/"
const ROOT_RE = ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const LESSON = new RegExp("^" + ROOT_RE + "sessions/\\d+/lessons/\\d{4}-\\d{2}-\\d{2}$");
const LESSON_PART = new RegExp("^(" + ROOT_RE + "sessions/\\d+/lessons/(\\d{4}-\\d{2}-\\d{2}))/(?:edit/(\\w+)|row)$");
const FRESH_MS = 2 * 60 * 1000;  // a copy younger than this is not fetched again for "precache"
const KEEP_MS = 36 * 60 * 60 * 1000;  // copies older than this are dropped (the day's pages)
const KEPT_HEADERS = ["content-type", "x-csrftoken", "hx-request", "hx-current-url", "hx-target", "hx-trigger"];
const RETRY_LATER = [429, 502, 503, 504];
// The pages this worker writes itself get the app's own policy (webapp/security.py).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'";
// English fallbacks; the pages send the translated texts (templates/_js_messages.html).
const ENGLISH = {
  queued_here: "Saved on this device — it will be sent when you are back online.",
  reason_400: "The form had expired. Open the lesson and mark it again.",
  reason_409: "Someone else changed this lesson meanwhile.",
  reason_412: "Someone else changed this lesson meanwhile.",
  reason_422: "The server did not accept these values.",
  reason_login: "Your login had ended. Log in and mark it again.",
  reason_confirm: "This lesson has not begun yet: mark it completed on its page.",
  reason_other: "The server answered {status}.",
  lesson_of: "Lesson of {date}",
  offline_title: "You are offline",
  offline_text: "This page is not kept on this device. Today's lessons and their pages are, once Today has been opened online.",
  offline_today: "Today's lessons",
  not_sent: "You are offline: this was not sent. Go back and try again once you are online.",
  queued_title: "Saved on this device",
  back: "Back",
  back_to_lesson: "Back to the lesson",
};

// ---- IndexedDB: queue (the marks to send), refused (those the server refused), meta ----
let opened = null;
function database() {
  opened = opened || new Promise(function (resolve, reject) {
    const request = indexedDB.open("tutor-offline", 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore("queue", {keyPath: "id", autoIncrement: true});
      request.result.createObjectStore("refused", {keyPath: "id", autoIncrement: true});
      request.result.createObjectStore("meta");
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { opened = null; reject(request.error); };
  });
  return opened;
}
function store(name, mode, work) {
  return database().then(function (db) {
    return new Promise(function (resolve, reject) {
      const tx = db.transaction(name, mode);
      const request = work(tx.objectStore(name));
      tx.oncomplete = function () { resolve(request && request.result); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  });
}
const getAll = (name) => store(name, "readonly", (s) => s.getAll());
const getOne = (name, key) => store(name, "readonly", (s) => s.get(key));
const add = (name, value) => store(name, "readwrite", (s) => s.add(value));
const putOne = (name, value, key) => store(name, "readwrite", (s) => s.put(value, key));
const remove = (name, key) => store(name, "readwrite", (s) => s.delete(key));
const clearAll = (name) => store(name, "readwrite", (s) => s.clear());

async function texts() {
  return Object.assign({}, ENGLISH, (await getOne("meta", "messages")) || {});
}
function fill(text, values) {
  return Object.keys(values).reduce((out, key) => out.split("{" + key + "}").join(values[key]), text);
}
function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
}

// One thing at a time for what decides whose copies these are (keeping a page, a hello, a logout).
let chain = Promise.resolve();
function serially(task) {
  const run = chain.then(task);
  chain = run.catch(() => {});
  return run;
}

// ---- Lifecycle ----
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil((async () => {
  if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
  for (const name of await caches.keys()) {
    if (name !== PAGES && name !== STATIC) await caches.delete(name);
  }
  await self.clients.claim();
})()));

// ---- Requests ----
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(ROOT)) return;
  if (request.method === "POST") {
    if (LESSON.test(url.pathname)) event.respondWith(markOrKeep(event));
    else if (url.pathname === ROOT + "logout") event.respondWith(logOut(event));
    else if (request.mode === "navigate") event.respondWith(fetch(request).catch(() => notSentPage(request)));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith(ROOT + "static/")) {
    event.respondWith(staticFile(event));
  } else if (request.mode === "navigate") {
    event.respondWith(navigation(event, pageKey(url)));
  } else if (request.headers.get("HX-Request") && LESSON_PART.test(url.pathname)) {
    // A row's control, or its Cancel, while offline: the lesson's page (its copy) marks it.
    event.respondWith(fetch(request).catch(() => toLessonPage(url.pathname.match(LESSON_PART))));
  }
});

// The key a page is kept under, or null for a page that is not kept.
function pageKey(url) {
  if (LESSON.test(url.pathname)) return url.origin + url.pathname;
  if (url.pathname === ROOT + "sessions" && url.searchParams.get("tab") === "today") {
    const params = new URLSearchParams(url.search);
    params.sort();
    return url.origin + url.pathname + "?" + params;
  }
  return null;
}

async function navigation(event, key) {
  try {
    const response = (await event.preloadResponse) || (await fetch(event.request));
    if (key && keepable(response)) event.waitUntil(keepPage(key, response.clone()));
    return response;
  } catch (error) {
    return (key && (await keptCopy(key))) || offlinePage();
  }
}

function keepable(response) {
  return response.status === 200 && !response.redirected && response.type === "basic"
    && (response.headers.get("Content-Type") || "").startsWith("text/html")
    && !/no-store/.test(response.headers.get("Cache-Control") || "");
}

// The user whose page this is, from its js-messages block ("" without a login; null: not ours).
function ownerOf(html) {
  const found = html.match(/<script[^>]*id="js-messages"[^>]*data-user="([^"]*)"/);
  return found ? found[1] : null;
}

// A change of user (or no user) empties the copies: they are one login's.
async function ownedBy(owner) {
  if ((await getOne("meta", "owner")) === owner) return;
  await caches.delete(PAGES);
  await putOne("meta", owner, "owner");
}

async function keepPage(key, response) {
  const html = await response.text();
  const owner = ownerOf(html);
  if (owner === null) return;
  await serially(async () => {
    await ownedBy(owner);
    if (!owner) return;
    const headers = new Headers(response.headers);
    headers.delete("Content-Length");
    headers.delete("Content-Encoding");
    headers.set("X-Kept-At", new Date().toISOString());
    await (await caches.open(PAGES)).put(key, new Response(html, {status: 200, headers}));
  });
}

async function keptCopy(key) {
  const kept = await (await caches.open(PAGES)).match(key, {ignoreVary: true});
  if (!kept) return null;
  const at = kept.headers.get("X-Kept-At") || "";
  const html = (await kept.text()).replace(/<head>/i, '<head><meta name="offline-copy" content="' + escapeHtml(at) + '">');
  return new Response(html, {status: 200, headers: kept.headers});
}

async function fetchAndKeep(key) {
  const response = await fetch(key, {credentials: "same-origin", cache: "no-store"});
  if (keepable(response)) await keepPage(key, response);
}

async function staticFile(event) {
  const request = event.request;
  const cache = await caches.open(STATIC);
  const fingerprinted = new URL(request.url).searchParams.has("v");
  if (fingerprinted) {
    const hit = await cache.match(request, {ignoreVary: true});
    if (hit) return hit;
  }
  try {
    const response = await fetch(request);
    if (response.status === 200) event.waitUntil(keepStatic(cache, request.url, response.clone()));
    return response;
  } catch (error) {
    const hit = (await cache.match(request, {ignoreVary: true}))
      || (await cache.match(request, {ignoreVary: true, ignoreSearch: true}));
    if (hit) return hit;
    throw error;
  }
}

async function keepStatic(cache, url, response) {
  await cache.put(url, response);
  const path = new URL(url).pathname;
  for (const old of await cache.keys()) {  // a file's earlier fingerprints go
    if (old.url !== url && new URL(old.url).pathname === path) await cache.delete(old);
  }
}

function toLessonPage(part) {
  const headers = part[3] ? {"HX-Redirect": part[1] + "#" + part[3]} : {"HX-Refresh": "true"};
  return new Response("", {status: 200, headers});
}

// ---- Marks ----
const lastMark = new Map();

async function markOrKeep(event) {
  const request = event.request;
  const body = await request.clone().text();
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    return keepMark(event, body);
  }
  if (response.ok) event.waitUntil(refreshLater(request.url));
  return response;
}

async function keepMark(event, body) {
  const request = event.request;
  const headers = {};
  for (const name of KEPT_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const m = await texts();
  const entry = {url: request.url, method: "POST", headers, body, time: new Date().toISOString(),
                 label: defaultLabel(m, request.url), navigation: request.mode === "navigate"};
  const id = await add("queue", entry);
  event.waitUntil(Promise.all([broadcast(), askForSync()]));
  if (request.mode === "navigate") {
    return infoPage(m.queued_title, m.queued_here, request.url, m.back_to_lesson, 202);
  }
  return new Response('<p class="msg" role="status">' + escapeHtml(m.queued_here) + "</p>", {
    status: 202,
    headers: {"Content-Type": "text/html; charset=utf-8", "HX-Reswap": "none", "X-Offline-Queued": String(id)},
  });
}

// Until app.js names it from the page ("label"), and for a plain form's post: the lesson's date.
function defaultLabel(m, url) {
  return fill(m.lesson_of, {date: new URL(url).pathname.split("/").pop()});
}

// After a mark is saved, its lesson's kept copy is fetched again (once the marks pause), so
// that a mark made from it offline starts from the version now saved.
function refreshLater(url) {
  const key = pageKey(new URL(url));
  const at = Date.now();
  lastMark.set(key, at);
  return new Promise((resolve) => setTimeout(resolve, 1000)).then(async () => {
    if (lastMark.get(key) !== at) return;
    lastMark.delete(key);
    if (await (await caches.open(PAGES)).match(key, {ignoreVary: true})) await fetchAndKeep(key).catch(() => {});
  });
}

function askForSync() {
  return self.registration.sync ? self.registration.sync.register("marks").catch(() => {}) : Promise.resolve();
}

let replaying = null;
function replay() {
  replaying = replaying || sendQueued().finally(() => { replaying = null; });
  return replaying;
}

// Sends the queued marks in order; false when the server could not be reached (they stay).
async function sendQueued() {
  const rebased = new Map();  // lesson URL → {from: versions our marks started from, to: the one saved}
  try {
    for (;;) {
      const entry = (await getAll("queue"))[0];
      if (!entry) return true;
      let body = entry.body;
      const params = new URLSearchParams(body);
      const moved = rebased.get(entry.url);
      const started = params.get("version");
      if (moved && moved.from.includes(started) && entry.fields && entry.fields.length) {
        // Marked twice offline from the same page: the second starts from what the first saved,
        // and changes only what the tutor changed in it (the page's form sends every field,
        // with the values of the copy). Without that list it is sent as it is: a conflict.
        params.set("version", moved.to);
        params.delete("fields");
        entry.fields.forEach((name) => params.append("fields", name));
        body = params.toString();
      }
      let response;
      try {
        response = await fetch(entry.url, {method: "POST", headers: entry.headers, body, credentials: "same-origin",
                                           cache: "no-store"});
      } catch (error) {
        return false;
      }
      if (RETRY_LATER.includes(response.status)) return false;
      const verdict = await judge(entry, response);
      if (verdict.sent) {
        await putOne("meta", ((await getOne("meta", "sent")) || 0) + 1, "sent");
        const etag = response.headers.get("ETag");
        if (etag) {
          // Flask-Compress adds the encoding to a strong ETag ("v:gzip"): the version is before it.
          rebased.set(entry.url, {from: (moved ? moved.from : []).concat([started, params.get("version")]),
                                  to: etag.replace(/^W\//, "").replace(/"/g, "").replace(/:(gzip|br|deflate|zstd)$/, "")});
        }
        refreshLater(entry.url).catch(() => {});
      } else {
        await add("refused", {url: pageKey(new URL(entry.url)), label: entry.label, time: entry.time,
                              status: response.status, reason: verdict.reason});
      }
      await remove("queue", entry.id);
    }
  } finally {
    await broadcast();
  }
}

async function judge(entry, response) {
  const m = await texts();
  if (response.redirected && new URL(response.url).pathname === ROOT + "login") return {reason: m.reason_login};
  const html = await response.text();
  if (response.ok) {
    // The server asks first before completing a lesson that has not begun: nothing was saved.
    if (/name="confirm" value="1"/.test(html)) return {reason: m.reason_confirm};
    return {sent: true};
  }
  // A conflict's own message speaks of the page it answers: the queue says it in its words.
  const own = response.status === 409 || response.status === 412 ? null : alertIn(html);
  return {reason: own || m["reason_" + response.status] || fill(m.reason_other, {status: response.status})};
}

// The answer's own message (the app puts it in a role="alert" element), if it is short.
function alertIn(html) {
  const found = html.match(/role="alert"[^>]*>([\s\S]*?)<\/(?:p|div)>/);
  if (!found) return null;
  const text = found[1].replace(/<[^>]*>/g, " ")
    .replace(/&#(x?)([0-9a-f]+);/gi, (all, hex, code) => String.fromCodePoint(parseInt(code, hex ? 16 : 10)))
    .replace(/&(amp|lt|gt|quot);/g, (all, name) => ({amp: "&", lt: "<", gt: ">", quot: '"'})[name])
    .replace(/\s+/g, " ").trim();
  return text && text.length <= 300 ? text : null;
}

async function state() {
  const [queued, refused, sent] = await Promise.all([getAll("queue"), getAll("refused"), getOne("meta", "sent")]);
  return {
    queued: queued.map((e) => ({id: e.id, label: e.label, time: e.time, url: pageKey(new URL(e.url))})),
    refused: refused.map((e) => ({id: e.id, label: e.label, time: e.time, url: e.url, reason: e.reason})),
    sent: sent || 0,
  };
}

async function broadcast() {
  const now = await state();
  for (const client of await self.clients.matchAll({type: "window", includeUncontrolled: true})) {
    client.postMessage({type: "offline-state", state: now});
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag === "marks") {
    event.waitUntil(replay().then((done) => { if (!done) throw new Error("still offline"); }));
  }
});

// ---- Logout ----
async function logOut(event) {
  await replay().catch(() => {});  // the marks made offline go first, while the login lasts
  event.waitUntil(serially(async () => {
    await caches.delete(PAGES);
    await putOne("meta", "", "owner");
    await putOne("meta", 0, "sent");
  }));
  try {
    return await fetch(event.request);
  } catch (error) {
    return notSentPage(event.request);
  }
}

// ---- Pages written here ----
async function infoPage(title, text, back, backText, status) {
  const [m, meta] = await Promise.all([texts(), getOne("meta", "page")]);
  const page = meta || {lang: "en", zone: "", styles: [], scripts: []};
  const owner = (await getOne("meta", "owner")) || "";
  const links = (back ? '<a href="' + escapeHtml(back) + '">' + escapeHtml(backText) + "</a> · " : "")
    + '<a href="' + escapeHtml(ROOT + "sessions?tab=today") + '">' + escapeHtml(m.offline_today) + "</a>";
  const json = JSON.stringify(m).replace(/</g, "\\u003c");
  const html = '<!doctype html>\n<html lang="' + escapeHtml(page.lang) + '"><head><meta charset="utf-8">'
    + '<meta name="viewport" content="width=device-width, initial-scale=1"><title>' + escapeHtml(title) + "</title>"
    + page.styles.map((href) => '<link rel="stylesheet" href="' + escapeHtml(href) + '">').join("")
    + page.scripts.map((src) => '<script src="' + escapeHtml(src) + '" defer></script>').join("")
    + '</head><body><main id="main" class="container offline-page"><h1>' + escapeHtml(title) + "</h1><p>"
    + escapeHtml(text) + "</p><p>" + links + "</p></main>"
    + '<script type="application/json" id="js-messages" data-user="' + escapeHtml(owner) + '" data-zone="'
    + escapeHtml(page.zone || "") + '" data-sw="'
    + escapeHtml(self.location.pathname) + '" data-scope="' + escapeHtml(ROOT) + '">' + json + "</script></body></html>";
  return new Response(html, {status, headers: {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                                               "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}});
}

async function offlinePage() {
  const m = await texts();
  return infoPage(m.offline_title, m.offline_text, null, "", 503);
}

async function notSentPage(request) {
  const m = await texts();
  return infoPage(m.offline_title, m.not_sent, request.referrer || null, m.back, 503);
}

// ---- What the pages ask (app.js) ----
const ASKED = {
  // Every page says who is logged in and sends its texts and files.
  async hello(data) {
    await serially(() => ownedBy(String(data.user || "")));
    if (data.messages) await putOne("meta", data.messages, "messages");
    const assets = (data.assets || []).filter((u) => new URL(u).origin === self.location.origin);
    await putOne("meta", {lang: data.lang || "en", zone: data.zone || "", styles: assets.filter((u) => /\.css(\?|$)/.test(u)),
                          scripts: assets.filter((u) => /\.js(\?|$)/.test(u))}, "page");
    const cache = await caches.open(STATIC);  // the files of the first page (not yet controlled) too
    for (const url of assets) {
      if (!(await cache.match(url, {ignoreVary: true}))) {
        const response = await fetch(url).catch(() => null);
        if (response && response.status === 200) await keepStatic(cache, url, response);
      }
    }
    const now = await state();
    if (now.sent) await putOne("meta", 0, "sent");  // "N sent" is told once, on this page
    return now;
  },
  // The Today page: keep it and its lessons' pages.
  async precache(data) {
    const cache = await caches.open(PAGES);
    const keys = [...new Set((data.urls || []).map((u) => pageKey(new URL(u))).filter(Boolean))];
    for (const key of keys) {
      const kept = await cache.match(key, {ignoreVary: true});
      const at = kept ? Date.parse(kept.headers.get("X-Kept-At")) : 0;
      if (Date.now() - at > FRESH_MS) await fetchAndKeep(key).catch(() => {});
    }
    for (const request of await cache.keys()) {  // yesterday's copies go
      const kept = await cache.match(request, {ignoreVary: true});
      if (kept && Date.now() - Date.parse(kept.headers.get("X-Kept-At")) > KEEP_MS) await cache.delete(request);
    }
    return state();
  },
  async replay() {
    await replay();
    return state();
  },
  // app.js describes a mark it just saw kept: its label ("Selam Girma, Tue 12 May 16:00 —
  // Status: Completed") and the fields the tutor changed in it.
  async label(data) {
    await store("queue", "readwrite", (s) => {
      const request = s.get(data.id);
      request.onsuccess = () => {
        if (request.result) s.put(Object.assign(request.result, {label: data.label || request.result.label,
                                                                 fields: data.fields || null}));
      };
      return request;
    });
    broadcast();
    return state();
  },
  async dismiss() {
    await clearAll("refused");
    await putOne("meta", 0, "sent");
    broadcast();
    return state();
  },
};

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const work = Object.prototype.hasOwnProperty.call(ASKED, data.type) ? ASKED[data.type] : null;
  if (!work) return;
  event.waitUntil(work(data).then(
    (answer) => { if (port) port.postMessage(answer); },
    () => { if (port) port.postMessage(null); },
  ));
});
