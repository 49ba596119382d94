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
