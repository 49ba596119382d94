"""Topics carried forward: what was planned for a lesson and not covered is offered as planned
for the next lesson of the same enrollment (whichever session it belongs to). The tutor
accepts a topic (it joins the lesson's own planned topics, so the student sees it as what is
next, and is carried again if it is not covered then either) or drops it (the lesson keeps
the dropped ones, so it is not offered again)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from .. import choices as C
from .lesson import Lesson
from .listing import lessons_in_window
from .marking import change_lesson

LOOKBACK_DAYS = 120  # how far back the lesson before is looked for (a term)


def lesson_before(lesson: Lesson, user: Any) -> Lesson | None:
    """The last lesson held (completed) of the same enrollment before this one (two queries)."""
    start = max(C.DATE_MIN, lesson.date - timedelta(days=LOOKBACK_DAYS))
    found = lessons_in_window(user, start, lesson.date,
                              {"course_enrollment_id": lesson.session.course_enrollment_id})
    held = [l for l in found if l.key < lesson.key and l.status == "completed"]
    return held[-1] if held else None


def carried_into(lesson: Lesson, user: Any) -> tuple[Lesson | None, list[str]]:
    """The lesson before and its topics still to offer for this one: planned there, not
    covered, neither planned nor dropped here. Only for a lesson still to be held."""
    if lesson.status in ("completed", "cancelled"):
        return None, []
    before = lesson_before(lesson, user)
    if before is None:
        return None, []
    taken = set(lesson.topics) | set(lesson.dropped_topics)
    return before, [t for t in before.topics if t not in before.topics_covered and t not in taken]


def accept(lesson: Lesson, topic: str, version: str | None) -> Lesson:
    return change_lesson(lesson, {"topics": [*lesson.topics, topic]}, version)


def drop(lesson: Lesson, topic: str, version: str | None) -> Lesson:
    return change_lesson(lesson, {"dropped_topics": [*lesson.dropped_topics, topic]}, version)
