"""Notices of a lesson's changes, written into the outbox in the change's own transaction
(`lessons.events.lesson_changed`): the change and its notices commit together or not at all.

- moved (date or time changed) and cancelled (status became cancelled, or a one-time
  session deleted): to the lesson's student, parents and tutor, each with an .ics that
  updates the event their calendar holds;
- absent (the student marked absent): to the student's parents.
Only for sessions with notification_enabled, only for lessons still to come (a move or a
cancel of a past lesson is a correction of the record), never to the person who made the
change, and only as far as each person's preferences allow.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user

from .. import choices as C
from ..calendar.ical import change_calendar
from ..i18n import as_reader, reading_of
from ..translate import gettext as _
from . import outbox
from .audience import audiences, board_urls, facts_of, wants
from .messages import LessonFacts, lesson_draft, notice_key


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _upcoming(lesson: Any, tz_name: str) -> bool:
    return datetime.combine(lesson.date, lesson.end_time) > C.local_now(tz_name)


LAST_ZONE = "Etc/GMT+12"  # the clocks furthest behind (UTC−12): a lesson over there is over everywhere


def kinds_of(before: Any, after: Any | None) -> list[str]:
    """What a change is, for its people: moved, cancelled, absent (or nothing to tell)."""
    if after is None:
        return [] if before.cancelled else ["cancelled"]
    kinds = []
    if after.cancelled and not before.cancelled:
        kinds.append("cancelled")
    elif not after.cancelled and (before.date, before.start_time, before.end_time) != (
            after.date, after.start_time, after.end_time):
        kinds.append("moved")
    if after.student_attendance_status == "absent" and before.student_attendance_status != "absent":
        kinds.append("absent")
    return kinds


def _ics(kind: str, facts: LessonFacts, session: Any, is_series: bool) -> str | None:
    if kind not in ("moved", "cancelled"):
        return None
    zone = C.zone(facts.tutor_zone)
    recurrence = datetime.combine(facts.original_date, session.start_time, zone) if is_series else None
    return change_calendar(facts.session_id, recurrence, facts.starts_at(),
                           datetime.combine(facts.date, facts.end_time, zone),
                           _("%(course)s: %(student)s with %(tutor)s", course=facts.course,
                             student=facts.student_name, tutor=facts.tutor_name), kind == "cancelled",
                           facts.location or facts.board_url)


def on_lesson_changed(_sender: Any, before: Any, after: Any | None) -> None:
    session = (after or before).session
    if not session.notification_enabled:
        return
    kinds = kinds_of(before, after)
    if not kinds or "absent" not in kinds and not _upcoming(before, LAST_ZONE) and (
            after is None or not _upcoming(after, LAST_ZONE)):
        return  # nothing to tell, or only the correction of a past lesson's record (known before its people)
    audience = audiences([session.course_enrollment_id]).get(session.course_enrollment_id)
    if audience is None:
        return
    tutor_zone = audience.enrollment.tutor.timezone
    current = after or before
    if not _upcoming(before, tutor_zone) and not _upcoming(current, tutor_zone):
        kinds = [k for k in kinds if k == "absent"]
    boards = board_urls([session.whiteboard_id])
    facts = facts_of(current, audience, boards)
    was = facts_of(before, audience, boards)
    version = after.version if after is not None else "deleted"
    actor = _actor_id()
    drafts = []
    for kind in kinds:
        icses: dict[str, str | None] = {}  # by language: the event's title is in its reader's
        for role, person in audience.members():
            if person.id == actor or (kind == "absent" and role != "parent") or not wants(person, kind):
                continue
            language = reading_of(person).language
            if language not in icses:
                with as_reader(person):
                    icses[language] = _ics(kind, facts, session, current.is_series)
            drafts.append(lesson_draft(kind, notice_key(kind, facts, version, person.id), person, role, facts,
                                       before=was if kind == "moved" else None, ics=icses[language]))
        if kind in ("moved", "cancelled"):
            outbox.void_reminders(session.id, current.original_date)
    outbox.enqueue(drafts)
