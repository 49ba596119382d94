"""Which lessons clash with a planned session: the same tutor or the same student (with any
tutor), overlapping times, over every lesson of the planned session and of every series
they have (calendar.services.clashes_for). Cancelled lessons never clash."""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from .. import recurrence as R
from ..calendar.services import clashes_for
from ..models import Enrollment

# What the expansion of the planned session reads (its lessons' dates and times).
CANDIDATE_FIELDS = ("session_date", "start_time", "end_time", "is_recurring", "session_frequency",
                    "recurring_pattern", "status", "topics_covered", "tutor_attendance_status",
                    "student_attendance_status")


@dataclass(frozen=True)
class Clash:
    lesson: R.Occurrence  # the other lesson
    same_tutor: bool  # False: the student's lesson with another tutor (shown without details)

    @property
    def session(self):
        return self.lesson.session


def overlapping_lessons(values: dict[str, Any], enrollment: Enrollment, session_id: int | None = None,
                        series: Any | None = None) -> list[Clash]:
    """The other lessons that the planned session's lessons (`values`, as the rules cleaned
    them; `series`: its end and removed dates) overlap, each once, in time order."""
    candidate = SimpleNamespace(id=session_id, enrollment=None,
                                **{name: values.get(name) for name in CANDIDATE_FIELDS})
    tutor = enrollment.tutor
    pairs = clashes_for(candidate, series, tutor, enrollment.student_id,
                        ignore=(session_id,) if session_id else ())
    seen: dict[tuple, Clash] = {}
    for _, other in pairs:
        seen.setdefault(other.key, Clash(other, other.session.enrollment.tutor_id == tutor.id))
    return sorted(seen.values(), key=lambda c: c.lesson.start)
