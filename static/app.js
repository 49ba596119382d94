// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:responseError", function (event) {
  // 4xx/5xx answers that htmx does not swap: say so rather than fail silently.
  const target = event.detail.target;
  const note = document.createElement("p");
  note.className = "msg msg-error";
  note.setAttribute("role", "alert");
  note.textContent = event.detail.xhr.status === 404
    ? "This lesson no longer exists. Reload the page."
    : "Could not save (" + event.detail.xhr.status + "). Reload the page and try again.";
  if (!target) return;
  if (target.tagName === "TR" && target.cells.length) {
    target.cells[0].prepend(note);  // nothing but cells may follow a row
  } else if (target.parentNode) {
    target.insertAdjacentElement("afterend", note);
  }
});
document.addEventListener("htmx:sendError", function () {
  alert("The server could not be reached. Check your connection and try again.");
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
      const note = new Notification(alarm.title, {body: "Your lesson starts soon.", tag: alarm.url});
      note.onclick = function () { window.focus(); window.location.href = alarm.url; };
    }, Math.max(at - now, 0)));
  });
  state.textContent = set ? "Alarms on in this browser: " + set + " to come today." : "No alarms left today.";
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
      else box.querySelector(".alarms-state").textContent = "Alarms stay off: this browser was not allowed to show them.";
    });
  };
}
document.addEventListener("DOMContentLoaded", setUpAlarms);
document.addEventListener("htmx:afterSettle", setUpAlarms);
