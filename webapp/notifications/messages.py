"""What each message says: a `Draft` (subject, plain text, HTML, an .ics for changes) for one
person, rendered from templates/mail/ in that person's time zone.

Every message about a lesson names it (SPEC): the course, the student, the topics, the date
and time on the recipient's clock, the mode and the place or whiteboard link, a link to the
lesson's page, and an unsubscribe link for its kind that works without logging in.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from .. import choices as C
from ..formatting import format_day, format_time
from ..i18n import Reading, as_reader, reading
from ..translate import gettext as _, lazy_gettext as _l, ngettext
from ..web import external_url

SUBSCRIPTION_OF = {"reminder": "reminder", "moved": "changes", "cancelled": "changes", "absent": "absence",
                   "digest": "digest"}


@dataclass(slots=True)
class Draft:
    key: str
    kind: str
    recipient_id: int
    to_address: str
    session_id: int | None
    lesson_date: date | None
    subject: str
    body_text: str
    body_html: str
    ics: str | None = None

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class LessonFacts:
    """A lesson as its messages tell it (whatever the kind of session or row it came from)."""

    session_id: int
    original_date: date
    date: date
    start_time: time
    end_time: time
    course: str
    student_name: str
    tutor_name: str
    tutor_zone: str
    topics: list[str]
    mode: str | None
    location: str | None
    board_url: str | None

    def starts_at(self, day: date | None = None, start: time | None = None) -> datetime:
        return datetime.combine(day or self.date, start or self.start_time, C.zone(self.tutor_zone))


# --- Formatting on the recipient's clock --------------------------------------------------


def when(facts: LessonFacts, zone: ZoneInfo, day: date | None = None, start: time | None = None,
         end: time | None = None, r: Reading | None = None) -> str:
    """'Friday 4 December 2026, 16:00–17:00 (Africa/Addis_Ababa)' in the recipient's zone, and
    their language, calendar and clock (`r`; default: the reading of the moment, which
    `as_reader` makes the recipient's)."""
    r = r or reading()
    day, start, end = day or facts.date, start or facts.start_time, end or facts.end_time
    tutor_zone = C.zone(facts.tutor_zone)
    begins = datetime.combine(day, start, tutor_zone).astimezone(zone)
    ends = datetime.combine(day, end, tutor_zone).astimezone(zone)
    shown = format_day(begins.date(), r, weekday="wide", month="wide")
    return _("%(date)s, %(start)s–%(end)s (%(zone)s)", date=shown, start=format_time(begins.time(), r),
             end=format_time(ends.time(), r), zone=zone.key)


def _stamp(day: date, start: time) -> str:
    return f"{day.isoformat()}T{start:%H%M}"


# --- Unsubscribe links ---------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user_id: int, subscription: str) -> str:
    return _serializer().dumps([user_id, subscription])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, subscription), or None for a token this app did not sign."""
    try:
        user_id, subscription = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or subscription not in C.SUBSCRIPTIONS:
        return None
    return user_id, subscription


def unsubscribe_url(user_id: int, kind: str) -> str:
    """The link that stops this kind of message for this person (inside `links()`)."""
    return external_url("notifications.unsubscribe", token=unsubscribe_token(user_id, SUBSCRIPTION_OF[kind]))


def message_id(key: str) -> str:
    """The same message always has the same Message-ID: a copy delivered twice is visibly one."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@tutor-sessions>"


# --- Drafts --------------------------------------------------------------------------------

SUBJECTS = {  # filled in with `%` in the recipient's language (lesson_draft)
    "reminder": _l("Reminder: %(course)s with %(other)s, %(when)s"),
    "moved": _l("Moved: %(course)s with %(other)s, now %(when)s"),
    "cancelled": _l("Cancelled: %(course)s with %(other)s, %(when)s"),
    "absent": _l("Absent: %(student)s missed %(course)s, %(when)s"),
}


@contextmanager
def links() -> Iterator[None]:
    """Links need a host: a request's own (web), else BASE_URL (the worker, commands)."""
    if has_request_context():
        yield
        return
    base = current_app.config["BASE_URL"] or current_app.config["LOCAL_BASE_URL"]
    with current_app.test_request_context("/", base_url=base):
        yield


def _render(kind: str, key: str, person: Any, facts: LessonFacts | None, context: dict[str, Any],
            ics: str | None = None) -> Draft:
    """The draft from its templates (called inside `links()`)."""
    template = "digest" if kind == "digest" else "lesson"
    context = {**context, "kind": kind, "person": person, "facts": facts,
               "unsubscribe_url": unsubscribe_url(person.id, kind),
               "subscription": C.SUBSCRIPTIONS[SUBSCRIPTION_OF[kind]], "settings_url": external_url("settings.index")}
    return Draft(key=key, kind=kind, recipient_id=person.id, to_address=person.email,
                 session_id=facts.session_id if facts else None,
                 lesson_date=facts.original_date if facts else None, subject=context["subject"],
                 body_text=render_template(f"mail/{template}.txt", **context),
                 body_html=render_template(f"mail/{template}.html", **context), ics=ics)


def lesson_draft(kind: str, key: str, person: Any, role: str, facts: LessonFacts,
                 before: LessonFacts | None = None, ics: str | None = None, lead: int | None = None) -> Draft:
    """A reminder or a notice (moved, cancelled, absent) about one lesson, for `person`, who
    is its `role` (tutor, student or parent), in their language, calendar and clock."""
    zone = C.zone(person.timezone)
    other = facts.student_name if role == "tutor" else facts.tutor_name
    with links(), as_reader(person):
        shown = when(facts, zone)
        subject = SUBJECTS[kind] % {"course": facts.course, "other": other, "student": facts.student_name,
                                    "when": shown}
        context = {
            "subject": subject[:255], "role": role, "when": shown, "lead": C.LEAD_LABELS.get(lead or 0),
            "was": when(before, zone) if before is not None else None,
            "mode": C.MODE_LABELS.get(facts.mode or "", facts.mode),
        }
        context["lesson_url"] = external_url("lessons.show", session_id=facts.session_id, day=facts.original_date)
        return _render(kind, key, person, facts, context, ics)


def digest_draft(key: str, tutor: Any, lessons: list[Any], day: date) -> Draft:
    """The tutor's daily list of lessons still to mark, in their language, calendar and clock."""
    with links(), as_reader(tutor):
        subject = ngettext("%(num)d lesson to mark", "%(num)d lessons to mark", len(lessons))
        context = {"subject": subject, "lessons": lessons, "day": day,
                   "list_url": external_url("sessions.index", tab="needs-marking"),
                   "lesson_urls": [external_url("lessons.show", session_id=l.session_id, day=l.original_date)
                                   for l in lessons]}
        return _render("digest", key, tutor, None, context)


# --- Keys: what makes two messages the same one ----------------------------------------------


def reminder_key(lead: int, facts: LessonFacts, person_id: int) -> str:
    """Per lead time, lesson, start and person: a lesson moved gets its reminder again."""
    return f"reminder:{lead}:{facts.session_id}:{facts.original_date}:{_stamp(facts.date, facts.start_time)}:{person_id}"


def notice_key(kind: str, facts: LessonFacts, version: str, person_id: int) -> str:
    """Per change (the lesson's version after it): a second move is a second notice."""
    return f"{kind}:{facts.session_id}:{facts.original_date}:{version}:{person_id}"


def digest_key(tutor_id: int, day: date) -> str:
    return f"digest:{tutor_id}:{day.isoformat()}"
