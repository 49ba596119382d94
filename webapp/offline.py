"""The service worker that keeps the day's pages readable offline and queues the marks made
meanwhile (static/sw.js). It is served from the application's root, so that its scope is
every page; the browser must check it for a new version on every load (no-cache)."""
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from markupsafe import Markup

from .i18n import reading
from .translate import lazy_gettext as _l

bp = Blueprint("offline", __name__)

# Every text static/app.js and static/sw.js show ({count}, {status}, {time}, {date}: filled
# in by the scripts), given to them on each page (templates/_js_messages.html).
SCRIPT_MESSAGES = {
    "not_found": _l("This lesson no longer exists. Reload the page."),
    "not_saved": _l("Could not save ({status}). Reload the page and try again."),
    "unreachable": _l("The server could not be reached. Check your connection and try again."),
    "alarm_body": _l("Your lesson starts soon."),
    "alarms_on": _l("Alarms on in this browser: {count} to come today."),
    "alarms_none": _l("No alarms left today."),
    "alarms_denied": _l("Alarms stay off: this browser was not allowed to show them."),
    "offline_copy": _l("You are offline. This is the copy of {time}."),
    "queued_here": _l("Saved on this device — it will be sent when you are back online."),
    "queued_1": _l("1 mark is saved on this device and will be sent when you are back online:"),
    "queued_n": _l("{count} marks are saved on this device and will be sent when you are back online:"),
    "sent_1": _l("1 mark made offline was sent."),
    "sent_n": _l("{count} marks made offline were sent."),
    "refused_1": _l("1 mark made offline was refused and is not saved:"),
    "refused_n": _l("{count} marks made offline were refused and are not saved:"),
    "send_now": _l("Send now"),
    "dismiss": _l("Dismiss"),
    "reason_400": _l("The form had expired. Open the lesson and mark it again."),
    "reason_403": _l("You may not mark this lesson."),
    "reason_404": _l("This lesson no longer exists."),
    "reason_409": _l("Someone else changed this lesson meanwhile."),
    "reason_412": _l("Someone else changed this lesson meanwhile."),
    "reason_422": _l("The server did not accept these values."),
    "reason_login": _l("Your login had ended. Log in and mark it again."),
    "reason_confirm": _l("This lesson has not begun yet: mark it completed on its page."),
    "reason_other": _l("The server answered {status}."),
    "lesson_of": _l("Lesson of {date}"),
    "offline_title": _l("You are offline"),
    "offline_text": _l("This page is not kept on this device. Today's lessons and their pages are, once Today has been opened online."),
    "offline_today": _l("Today's lessons"),
    "not_sent": _l("You are offline: this was not sent. Go back and try again once you are online."),
    "queued_title": _l("Saved on this device"),
    "back": _l("Back"),
    "back_to_lesson": _l("Back to the lesson"),
}
_scripts_json: dict[str, Markup] = {}


def script_messages() -> Markup:
    """SCRIPT_MESSAGES in the reader's language, as JSON for a <script type="application/json">
    (made once per language and process: the same on every page)."""
    language = reading().language
    found = _scripts_json.get(language)
    if found is None:
        text = json.dumps({k: str(v) for k, v in SCRIPT_MESSAGES.items()}, ensure_ascii=False)
        found = _scripts_json[language] = Markup(text.replace("<", "\\u003c").replace(">", "\\u003e")
                                                 .replace("&", "\\u0026"))
    return found


@bp.get("/sw.js")
def service_worker():
    """The service worker script, at the root of the app."""
    # Read whole (a few kB), not streamed from the file: the browser often drops the
    # connection of an update check it finds unchanged, which would leave a file open.
    script = (Path(current_app.static_folder) / "sw.js").read_bytes()
    response = Response(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    response.add_etag()
    return response.make_conditional(request)
