"""The lessons as CSV: one line per lesson (a header first), the list's own lessons and
filters, dates and times in ISO 8601, UTF-8 with a byte order mark so that Excel reads
Amharic names and topics. `/lessons.csv` and `flask export-lessons` write the same."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator

HEADER = ("session_id", "original_date", "date", "start_time", "end_time", "duration_minutes", "tutor", "student",
          "course", "session_mode", "location", "status", "tutor_attendance_status", "student_attendance_status",
          "priority_level", "topics", "topics_covered", "note")
TOPIC_SEPARATOR = "; "
BOM = "\ufeff"


def line(lesson: Any, reader: bool) -> list[Any]:
    """One lesson's cells; for a student or parent (`reader`) the note only when shared."""
    session, enrollment = lesson.session, lesson.session.enrollment
    tutor = getattr(enrollment, "tutor", None)
    return [session.id, lesson.original_date.isoformat(), lesson.date.isoformat(),
            lesson.start_time.isoformat(timespec="minutes"), lesson.end_time.isoformat(timespec="minutes"),
            lesson.minutes, tutor.full_name if tutor else "", enrollment.student.full_name, enrollment.course,
            session.session_mode or "", session.location or "", lesson.status,
            lesson.tutor_attendance_status or "", lesson.student_attendance_status or "", lesson.priority_level,
            TOPIC_SEPARATOR.join(lesson.topics or []), TOPIC_SEPARATOR.join(lesson.topics_covered or []),
            lesson.note_for(reader) or ""]


def chunks(lessons: Iterable[Any], reader: bool) -> Iterator[str]:
    """The CSV text, BOM and header first, a few hundred lines at a time (for streaming)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow(HEADER)
    for n, lesson in enumerate(lessons, 1):
        writer.writerow(line(lesson, reader))
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
