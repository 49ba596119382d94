"""The worker's planning pass: which reminders and digests are due now, as drafts.

Reminders come from the lessons themselves (series expanded from their rule in a window of
a few days), not from rows made in advance: a reminder is due from its lead time before the
lesson until the lesson starts, so a lesson created or moved inside its lead time is
reminded at the next pass. Of several lead times due at once (a lesson created an hour
before it starts) only the nearest is sent. Keys already in the outbox are skipped before
anything is rendered; the unique key settles races between workers.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from .. import choices as C
from ..extensions import db
from ..lessons import recurrence as R
from ..lessons.listing import lessons_in_window, lessons_with_notifications, tab_window
from ..models import User
from . import outbox
from .audience import audiences, board_urls, facts_of, wants
from .messages import Draft, digest_draft, digest_key, lesson_draft, reminder_key

BUDGET = 10_000_000  # lessons one pass may expand: a few days of the whole platform


def _utc(day: date, at: Any, zone_name: str) -> datetime:
    return datetime.combine(day, at, C.zone(zone_name)).astimezone(timezone.utc).replace(tzinfo=None)


def reminder_drafts(now: datetime) -> list[Draft]:
    """The reminders due at `now` (naive UTC) that the outbox does not hold yet."""
    reach = timedelta(minutes=max(C.REMINDER_LEADS))
    lessons = [l for l in lessons_with_notifications((now - timedelta(days=1)).date(),
                                                     (now + reach + timedelta(days=1)).date(), R.Budget(BUDGET))
               if not l.cancelled]
    found = audiences(l.session.course_enrollment_id for l in lessons)
    boards = board_urls(l.session.whiteboard_id for l in lessons)
    wanted: list[tuple[str, int, Any, Any, str]] = []
    for lesson in lessons:
        audience = found.get(lesson.session.course_enrollment_id)
        if audience is None:
            continue
        begins = _utc(lesson.date, lesson.start_time, audience.enrollment.tutor.timezone)
        if begins <= now or begins - reach > now:
            continue
        facts = facts_of(lesson, audience, boards)
        for role, person in audience.members():
            due = [lead for lead in person.reminder_leads or []
                   if lead in C.REMINDER_LEADS and begins - timedelta(minutes=lead) <= now and wants(person, "reminder", lead)]
            if due:
                lead = min(due)
                wanted.append((reminder_key(lead, facts, person.id), lead, facts, person, role))
    held = outbox.existing_keys([key for key, *_ in wanted])
    return [lesson_draft("reminder", key, person, role, facts, lead=lead)
            for key, lead, facts, person, role in wanted if key not in held]


def digest_drafts(now: datetime) -> list[Draft]:
    """Each tutor's list of lessons to mark, once a day from C.DIGEST_HOUR on their clock. A
    day with nothing to mark is written as a void row, so it is looked at once."""
    tutors = list(db.session.scalars(sa.select(User).where(
        User.role == "tutor", User.daily_digest, User.email_notifications)))
    keys = {}
    for tutor in tutors:
        local = now.replace(tzinfo=timezone.utc).astimezone(C.zone(tutor.timezone)).replace(tzinfo=None)
        if local.hour >= C.DIGEST_HOUR:
            keys[digest_key(tutor.id, local.date())] = (tutor, local)
    held = outbox.existing_keys(list(keys))
    drafts = []
    for key, (tutor, local) in keys.items():
        if key in held:
            continue
        start, end, _newest, _to_mark = tab_window("needs-marking", local.date())
        to_mark = lessons_in_window(tutor, start, end, now=local)
        draft = digest_draft(key, tutor, to_mark, local.date())
        if not to_mark:
            draft.subject = draft.body_text = draft.body_html = ""
        drafts.append(draft)
    return drafts


def plan(now: datetime) -> int:
    """Write what is due now into the outbox; returns how many drafts were new to this pass."""
    drafts = reminder_drafts(now) + digest_drafts(now)
    db.session.rollback()  # end the reads: the writes take a transaction of their own
    if drafts:
        void = [d for d in drafts if not d.subject]
        with outbox.writing() as conn:
            outbox.enqueue([d for d in drafts if d.subject], conn, now=now)
            outbox.enqueue(void, conn, state="void", now=now)
    return len(drafts)
