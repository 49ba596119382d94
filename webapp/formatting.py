"""How dates, times and durations read on a page (template filters)."""
from __future__ import annotations

from datetime import date, time


def day(value: date | None) -> str:
    """'Wed 2 Dec 2026'."""
    return f"{value:%a} {value.day} {value:%b %Y}" if value else ""


def short_day(value: date | None) -> str:
    """'Wed 2 Dec': a list's rows, where the year is plain from the context."""
    return f"{value:%a} {value.day} {value:%b}" if value else ""


def hm(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def minutes(value: int | None) -> str:
    if not value:
        return ""
    hours, rest = divmod(int(value), 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)


FILTERS = {"day": day, "short_day": short_day, "hm": hm, "minutes": minutes}
