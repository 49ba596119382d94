// Small progressive enhancements; every page works without this file.

// Texts: translated on the server, one JSON block per page (templates/_js_messages.html);
// these English ones only stand in when the block is missing. {count}, {status}, {time}: filled in.
const ENGLISH = {
  not_found: "This lesson no longer exists. Reload the page.",
  not_saved: "Could not save ({status}). Reload the page and try again.",
  unreachable: "The server could not be reached. Check your connection and try again.",
  alarm_body: "Your lesson starts soon.",
  alarms_on: "Alarms on in this browser: {count} to come today.",
  alarms_none: "No alarms left today.",
  alarms_denied: "Alarms stay off: this browser was not allowed to show them.",
  offline_copy: "You are offline. This is the copy of {time}.",
  queued_here: "Saved on this device — it will be sent when you are back online.",
  queued_1: "1 mark is saved on this device and will be sent when you are back online:",
  queued_n: "{count} marks are saved on this device and will be sent when you are back online:",
  sent_1: "1 mark made offline was sent.",
  sent_n: "{count} marks made offline were sent.",
  refused_1: "1 mark made offline was refused and is not saved:",
  refused_n: "{count} marks made offline were refused and are not saved:",
  send_now: "Send now",
  dismiss: "Dismiss",
};
let pageMessages = null;
function t(key, values) {
  if (pageMessages === null) {
    const block = document.getElementById("js-messages");
    try { pageMessages = block ? JSON.parse(block.textContent) : {}; } catch (error) { pageMessages = {}; }
  }
  let text = pageMessages[key] || ENGLISH[key] || key;
  Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
  return text;
}

// A note beside what a request was for: in a row's first cell (nothing but cells may follow a
// row), else after the element.
function noteBeside(target, text, kind, role) {
  const note = document.createElement("p");
  note.className = "msg " + kind;
  note.setAttribute("role", role);
  note.dataset.note = "";
  note.textContent = text;
  if (!target) return;
  if (target.tagName === "TR" && target.cells.length) {
    const old = target.cells[0].querySelector("[data-note]");  // the latest note only
    if (old) old.remove();
    target.cells[0].prepend(note);
  } else if (target.parentNode) {
    target.insertAdjacentElement("afterend", note);
  }
}

document.addEventListener("htmx:responseError", function (event) {
  // 4xx/5xx answers that htmx does not swap: say so rather than fail silently.
  const status = event.detail.xhr.status;
  noteBeside(event.detail.target, status === 404 ? t("not_found") : t("not_saved", {status: status}),
             "msg-error", "alert");
});
document.addEventListener("htmx:sendError", function () {
  alert(t("unreachable"));
});

// The session form: the weekday, month and date pickers only matter for a recurring
// session, so they hide while "Repeats" says one-time (without JS they simply stay).
function syncRecurrence(select) {
  const block = select.form && select.form.querySelector(".recurrence-only");
  if (block) block.hidden = select.value === "one-time";
}
document.addEventListener("change", function (event) {
  if (event.target.id === "session_frequency") syncRecurrence(event.target);
});
document.addEventListener("DOMContentLoaded", function () {
  const select = document.getElementById("session_frequency");
  if (select) syncRecurrence(select);
});

// The Today page: each lesson's alarm rings in this browser too (alarm_before_minutes before
// it starts), through the Notifications API and only once the tutor has allowed it.
const alarmTimers = [];
function ringAlarms(box) {
  alarmTimers.splice(0).forEach(clearTimeout);
  const state = box.querySelector(".alarms-state");
  const alarms = JSON.parse(box.querySelector("#alarms-data").textContent);
  const now = Date.now();
  let set = 0;
  alarms.forEach(function (alarm) {
    const at = Date.parse(alarm.at), starts = Date.parse(alarm.starts);
    if (starts <= now) return;
    set += 1;
    alarmTimers.push(setTimeout(function () {
      const note = new Notification(alarm.title, {body: t("alarm_body"), tag: alarm.url});
      note.onclick = function () { window.focus(); window.location.href = alarm.url; };
    }, Math.max(at - now, 0)));
  });
  state.textContent = set ? t("alarms_on", {count: set}) : t("alarms_none");
}
function setUpAlarms() {
  const box = document.getElementById("alarms");
  if (!box || !("Notification" in window) || Notification.permission === "denied") return;
  box.hidden = false;
  const button = box.querySelector("[data-allow-alarms]");
  if (Notification.permission === "granted") {
    button.hidden = true;
    ringAlarms(box);
    return;
  }
  button.onclick = function () {
    Notification.requestPermission().then(function (answer) {
      if (answer === "granted") { button.hidden = true; ringAlarms(box); }
      else box.querySelector(".alarms-state").textContent = t("alarms_denied");
    });
  };
}
document.addEventListener("DOMContentLoaded", setUpAlarms);
document.addEventListener("htmx:afterSettle", setUpAlarms);

// Working offline a little (static/sw.js does the work): the service worker keeps Today and its
// lessons' pages, and keeps the marks made without a connection until they can be sent. This
// part registers it, tells it who is logged in (a change of user empties its copies), has it
// keep the lessons linked from Today, says when a page is a copy, and shows the marks waiting,
// sent or refused in #offline-queue.
function askWorker(message) {
  if (!("serviceWorker" in navigator)) return Promise.resolve(null);
  return navigator.serviceWorker.ready.then(function (registration) {
    return new Promise(function (resolve) {
      const channel = new MessageChannel();
      channel.port1.onmessage = function (event) { resolve(event.data); };
      (navigator.serviceWorker.controller || registration.active).postMessage(message, [channel.port2]);
    });
  }).catch(function () { return null; });
}

function pad(n) { return (n < 10 ? "0" : "") + n; }

// HH:MM of an ISO time on the user's clock (the zone the pages are drawn in), else the browser's.
function clockTime(iso) {
  const at = new Date(iso);
  if (isNaN(at)) return "";
  const block = document.getElementById("js-messages");
  try {
    const parts = new Intl.DateTimeFormat("en-GB", {timeZone: (block && block.dataset.zone) || undefined,
                                                    hour: "2-digit", minute: "2-digit", hourCycle: "h23"}).formatToParts(at);
    const part = function (type) { return parts.filter(function (p) { return p.type === type; })[0].value; };
    return part("hour") + ":" + part("minute");
  } catch (error) {
    return pad(at.getHours()) + ":" + pad(at.getMinutes());
  }
}

function pageTop(box) {
  const main = document.getElementById("main") || document.body;
  const copy = document.getElementById("offline-copy");
  if (copy && copy !== box) copy.insertAdjacentElement("afterend", box);
  else main.prepend(box);
}

function showOfflineCopy() {
  const meta = document.querySelector('meta[name="offline-copy"]');
  if (!meta || document.getElementById("offline-copy")) return;
  const box = document.createElement("div");
  box.id = "offline-copy";
  box.className = "flashes";
  box.setAttribute("role", "status");
  const line = document.createElement("p");
  line.className = "flash";
  line.textContent = t("offline_copy", {time: clockTime(meta.content) || "?"});
  box.append(line);
  pageTop(box);
}

function whenOf(iso) {
  const time = clockTime(iso);
  return time ? " (" + time + ")" : "";
}

function showQueue(state) {
  if (!state || !state.queued) return;
  let box = document.getElementById("offline-queue");
  if (!state.queued.length && !state.refused.length && !state.sent) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = document.createElement("div");
    box.id = "offline-queue";
    box.className = "flashes";
    box.setAttribute("role", "status");
    pageTop(box);
  }
  box.replaceChildren();
  function line(text, kind) {
    const p = document.createElement("div");
    p.className = "flash" + (kind ? " " + kind : "");
    p.textContent = text;
    box.append(p);
    return p;
  }
  function button(text, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = text;
    b.onclick = action;
    return b;
  }
  const queued = state.queued.length, refused = state.refused.length;
  if (queued) {
    const p = line(t(queued === 1 ? "queued_1" : "queued_n", {count: queued}));
    const list = document.createElement("ul");
    state.queued.forEach(function (mark) {
      const item = document.createElement("li");
      item.textContent = mark.label + whenOf(mark.time);
      list.append(item);
    });
    p.append(list, button(t("send_now"), function () { sendKept(); }));
  }
  if (state.sent) line(t(state.sent === 1 ? "sent_1" : "sent_n", {count: state.sent}), "flash-success");
  if (refused) {
    const p = line(t(refused === 1 ? "refused_1" : "refused_n", {count: refused}), "flash-error");
    const list = document.createElement("ul");
    state.refused.forEach(function (mark) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = mark.url;
      link.textContent = mark.label + whenOf(mark.time);
      item.append(link, ": " + mark.reason);
      list.append(item);
    });
    p.append(list, button(t("dismiss"), function () { askWorker({type: "dismiss"}).then(showQueue); }));
  }
}

// What a kept mark changes: for the list ("Selam Girma, Tue 12 May 16:00–16:45 — Status:
// Completed"), and the fields the tutor changed (a second mark of the same lesson made offline
// from the same page is then sent as a change of those fields only, see sw.js).
function ownText(node) {
  return Array.prototype.filter.call(node ? node.childNodes : [], function (n) { return n.nodeType === 3; })
    .map(function (n) { return n.textContent; }).join(" ").replace(/\s+/g, " ").trim();
}
function textOf(node) { return node ? node.textContent.replace(/\s+/g, " ").trim() : ""; }
function describeMark(elt) {
  const form = elt.closest("form") || elt;
  const row = elt.closest("tr");
  let lesson;
  if (row && row.querySelector("td.when")) {
    const when = row.querySelector("td.when");
    lesson = ownText(when.nextElementSibling) + ", " + textOf(when.querySelector("a")) + " " + ownText(when);
  } else {
    lesson = textOf(document.querySelector("#lesson-head h1")) + ", " + ownText(document.querySelector("#lesson-head .lead"));
  }
  const changes = [], fields = [];
  const selects = Array.prototype.slice.call(form.querySelectorAll("select"));
  const changed = selects.filter(function (s) { return s.selectedOptions[0] && !s.selectedOptions[0].defaultSelected; });
  changed.forEach(function (select) { fields.push(select.name); });
  (changed.length ? changed : row ? selects : []).forEach(function (select) {  // a row's: what it shows
    const name = select.labels && select.labels.length ? ownText(select.labels[0]) : select.getAttribute("aria-label");
    changes.push((name ? name + ": " : "") + textOf(select.selectedOptions[0]));
  });
  form.querySelectorAll("textarea, input[type=checkbox]").forEach(function (field) {
    const touched = field.type === "checkbox" ? field.checked !== field.defaultChecked : field.value !== field.defaultValue;
    const fieldset = field.closest("fieldset");
    const name = fieldset ? textOf(fieldset.querySelector("legend")) : textOf(field.labels && field.labels[0]);
    if (touched && name && changes.indexOf(name) < 0) changes.push(name);
    const posted = field.name === "topics_extra" ? "topics_covered" : field.name;
    if (touched && fields.indexOf(posted) < 0) fields.push(posted);
  });
  if (row) {  // a row's control carries exactly the fields it changes
    fields.splice(0);
    form.querySelectorAll("input[name=fields]").forEach(function (input) { fields.push(input.value); });
  }
  return {label: lesson.replace(/^, |, $/g, "") + (changes.length ? " — " + changes.join(", ") : ""), fields: fields};
}

// The service worker answered 202 "kept on this device": say so where the change was made.
document.addEventListener("htmx:afterRequest", function (event) {
  const xhr = event.detail.xhr;
  const kept = xhr && xhr.status === 202 && xhr.getResponseHeader("X-Offline-Queued");
  if (!kept) return;
  const elt = event.detail.elt;
  const saved = elt.closest("#marks") && document.getElementById("lesson-saved");
  if (saved) saved.textContent = t("queued_here");
  else noteBeside(event.detail.target, t("queued_here"), "msg-conflict", "status");
  const mark = describeMark(elt);
  askWorker({type: "label", id: Number(kept), label: mark.label, fields: mark.fields}).then(showQueue);
});

// Today: keep the page and its lessons' pages, so that each opens offline (even unopened).
function keepToday() {
  const url = new URL(window.location.href);
  if (!/\/sessions$/.test(url.pathname) || url.searchParams.get("tab") !== "today"
      || document.querySelector('meta[name="offline-copy"]')) return Promise.resolve(null);
  const links = document.querySelectorAll('table.lessons a[href*="/lessons/"]');
  const urls = [url.href].concat(Array.prototype.map.call(links, function (a) { return a.href; }));
  return askWorker({type: "precache", urls: urls});
}

// Has the worker send the kept marks. The browser may say "online" a moment before the
// network answers (or a weak connection drops again): while marks stay kept and the browser
// says online, it tries again after 2, 4, 8 … s (up to a minute).
let sendAgain = null;
function sendKept(wait) {
  clearTimeout(sendAgain);
  return askWorker({type: "replay"}).then(function (state) {
    showQueue(state);
    const delay = wait || 2000;
    if (state && state.queued && state.queued.length && navigator.onLine && delay <= 60000) {
      sendAgain = setTimeout(function () { sendKept(delay * 2); }, delay);
    }
    return state;
  });
}

function startOffline() {
  const block = document.getElementById("js-messages");
  if (!block || !block.dataset.sw || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(block.dataset.sw, {scope: block.dataset.scope}).catch(function () {});
  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "offline-state") showQueue(event.data.state);
  });
  showOfflineCopy();
  const assets = Array.prototype.map.call(document.querySelectorAll("link[rel=stylesheet][href], script[src]"),
                                          function (el) { return el.href || el.src; });
  askWorker({type: "hello", user: block.dataset.user, zone: block.dataset.zone, lang: document.documentElement.lang, assets: assets,
             messages: JSON.parse(block.textContent)})
    .then(function (state) {
      showQueue(state);
      return navigator.onLine ? sendKept() : null;  // what is left from before
    })
    .then(keepToday)
    .then(function () { document.documentElement.dataset.offline = "ready"; });
}
document.addEventListener("DOMContentLoaded", startOffline);
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail.target && event.detail.target.id === "results") keepToday();  // a tab or a filter
});
window.addEventListener("online", function () { sendKept(); });
