"""The browser's own reminder on the tutor's open Today page: each lesson with an alarm, as
the time it rings (`alarm_before_minutes` before the start, as the iCal VALARM), for the
page's script (the Notifications API, once the tutor has allowed it)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .. import choices as C
from ..formatting import hm
from ..translate import gettext as _
from ..web import lesson_url


def browser_alarms(lessons: list[Any], zone_name: str, root: str) -> list[dict[str, str]]:
    zone = C.zone(zone_name)
    out = []
    for lesson in lessons:
        session = lesson.session
        if not session.alarm_enabled or session.alarm_before_minutes is None or lesson.cancelled:
            continue
        starts = datetime.combine(lesson.date, lesson.start_time, zone)
        out.append({
            "at": (starts - timedelta(minutes=session.alarm_before_minutes)).isoformat(),
            "starts": starts.isoformat(),
            "title": _("%(course)s with %(name)s at %(time)s", course=session.enrollment.course,
                       name=session.enrollment.student.full_name, time=hm(lesson.start_time)),
            "url": str(lesson_url(session.id, lesson.original_date, root=root)),
        })
    return out
