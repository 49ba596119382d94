"""A series' rule as dates: pure functions over a session's columns, no database.

A session with `is_recurring` is a series. Its lessons are, in wall-clock time of the tutor's
zone (a 16:00 lesson stays at 16:00 local across a daylight-saving change):

- `session_date` itself (the first lesson, like iCal's DTSTART, always counts), and
- the dates of an RFC 5545 rule built from `session_frequency` and `recurring_pattern`:
  weekly / bi-weekly on the pattern's "days" (empty: the weekday of `session_date`),
  monthly on the day of the month of `session_date`; "months", when given, keeps only
  those months;
- plus the pattern's "specific_dates" from `session_date` on (iCal RDATE);
- minus the series' removed dates (`SessionSeries.exdates`, iCal EXDATE);
- ended by `SessionSeries.until_date` or after `occurrence_count` lessons (the removed
  dates do not count); `SessionSeries.last_date` keeps the last one once computed.

Expanding a window costs the window, not the age of the series: the rule is started at a
date near the window that gives the same dates as the first lesson would (a week start a
whole number of intervals later, or the first of a month), and every expansion spends a
per-request `Budget`, so no request can expand lessons for seconds.

The iCal feed writes the same rule from `rule_parts`, so a calendar app and this module agree
date for date (tested with recurring-ical-events).
"""
from __future__ import annotations

import calendar as _calendar
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator

from dateutil import rrule

from .. import choices as C
from ..translate import gettext as _, ngettext, pgettext
from .errors import TooManyLessons

FREQUENCIES = {  # session_frequency -> (rrule frequency, interval)
    "weekly": (rrule.WEEKLY, 1),
    "bi-weekly": (rrule.WEEKLY, 2),
    "monthly": (rrule.MONTHLY, 1),
}
RRULE_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
ICAL_FREQ = {rrule.WEEKLY: "WEEKLY", rrule.MONTHLY: "MONTHLY"}
ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
CHUNK_DAYS = 92  # the longest step of a lazy expansion (it starts at a month and doubles)


class Budget:
    """How many lessons one request may still expand; spending beyond it raises
    TooManyLessons, which the views answer with a clear 4xx."""

    def __init__(self, limit: int | None = None):
        self.left = C.MAX_LESSONS_PER_REQUEST if limit is None else limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise TooManyLessons(
                _("That would show too many lessons at once. Choose a shorter period or fewer sessions."))


def is_series(session: Any) -> bool:
    return bool(session.is_recurring) and session.session_frequency in FREQUENCIES


# --- The rule -------------------------------------------------------------------------


def _pattern(session: Any) -> dict[str, list[str]]:
    raw = session.recurring_pattern or {}
    return {key: list(raw.get(key) or []) for key in C.RECURRING_PATTERN_KEYS}


def weekdays_of(session: Any) -> list[int]:
    """0 = Monday; the pattern's days, or the weekday of the first lesson."""
    days = [C.WEEKDAYS.index(d) for d in (C.canonical_weekday(x) for x in _pattern(session)["days"]) if d]
    return sorted(set(days)) or [session.session_date.weekday()]


def months_of(session: Any) -> list[int]:
    months = [C.MONTHS.index(m) + 1 for m in (C.canonical_month(x) for x in _pattern(session)["months"]) if m]
    return sorted(set(months))


def specific_dates_of(session: Any) -> list[date]:
    out = set()
    for raw in _pattern(session)["specific_dates"]:
        try:
            out.add(date.fromisoformat(str(raw)))
        except ValueError:
            continue
    return sorted(d for d in out if d >= session.session_date)


def rule_parts(session: Any) -> dict[str, Any] | None:
    """dateutil.rrule keyword arguments of the series' rule (no dtstart, no end), or None
    when the rule can give no date at all (e.g. monthly on the 31st, only in February)."""
    freq, interval = FREQUENCIES[session.session_frequency]
    parts: dict[str, Any] = {"freq": freq, "interval": interval, "wkst": rrule.MO}
    months = months_of(session)
    if freq == rrule.MONTHLY:
        day = session.session_date.day
        possible = months or range(1, 13)
        if all(day > _calendar.monthrange(2024, m)[1] for m in possible):  # 2024: a leap year
            return None
        parts["bymonthday"] = day
    else:
        parts["byweekday"] = [RRULE_WEEKDAYS[d] for d in weekdays_of(session)]
    if months:
        parts["bymonth"] = months
    return parts


def ical_rule(parts: dict[str, Any]) -> dict[str, Any]:
    """The same rule as an icalendar `vRecur` mapping."""
    out: dict[str, Any] = {"FREQ": ICAL_FREQ[parts["freq"]], "WKST": "MO"}
    if parts["interval"] != 1:
        out["INTERVAL"] = parts["interval"]
    if "byweekday" in parts:
        out["BYDAY"] = [ICAL_WEEKDAYS[d.weekday] for d in parts["byweekday"]]
    if "bymonthday" in parts:
        out["BYMONTHDAY"] = parts["bymonthday"]
    if "bymonth" in parts:
        out["BYMONTH"] = parts["bymonth"]
    return out


def exdates_of(series: Any | None) -> set[date]:
    out = set()
    for raw in (getattr(series, "exdates", None) or []):
        try:
            out.add(date.fromisoformat(str(raw)))
        except ValueError:
            continue
    return out


def _aligned_start(session: Any, parts: dict[str, Any], day: date) -> date:
    """A date on or before `day` from which the rule gives exactly the dates it gives from
    the first lesson on: the start of a week a whole number of intervals after the first
    lesson's week, or the first of a month. The first lesson's own week or month keeps the
    first lesson as the start (nothing before it counts)."""
    first = session.session_date
    if day <= first:
        return first
    if parts["freq"] == rrule.WEEKLY:
        week0 = first - timedelta(days=first.weekday())
        step = 7 * parts["interval"]
        k = (day - week0).days // step
        return first if k == 0 else week0 + timedelta(days=k * step)
    month = day.replace(day=1)
    return first if (month.year, month.month) == (first.year, first.month) else month


def _rule_dates(session: Any, parts: dict[str, Any] | None, start: date, end: date) -> list[date]:
    if parts is None or end < start:
        return []
    dtstart = _aligned_start(session, parts, start)
    rule = rrule.rrule(dtstart=datetime.combine(dtstart, time()), until=datetime.combine(end, time()),
                       cache=False, **parts)
    return [d.date() for d in rule if d.date() >= start]


def _dates_by_count(session: Any, series: Any, parts: dict[str, Any] | None) -> list[date]:
    """Every original date of a series that ends after `occurrence_count` lessons (at most
    SERIES_MAX_LESSONS, so this is bounded however old the series is)."""
    removed = exdates_of(series)
    count = series.occurrence_count
    out: list[date] = []
    step = timedelta(days=CHUNK_DAYS * 4)
    day = session.session_date
    extra = specific_dates_of(session)
    while len(out) < count and day <= C.DATE_MAX:
        chunk_end = min(day + step, C.DATE_MAX)
        found = set(_rule_dates(session, parts, day, chunk_end))
        found.update(d for d in extra if day <= d <= chunk_end)
        if day == session.session_date:
            found.add(day)
        out.extend(d for d in sorted(found) if d not in removed)
        if parts is None and not any(d > chunk_end for d in extra):
            break
        day = chunk_end + timedelta(days=1)
    return out[:count]


def last_date(session: Any, series: Any | None = None) -> date | None:
    """The last lesson's original date of a bounded series (None: open-ended); a one-time
    session's own date."""
    if not is_series(session):
        return session.session_date
    if series is None:
        return None
    if getattr(series, "occurrence_count", None):
        dates = _dates_by_count(session, series, rule_parts(session))
        return dates[-1] if dates else session.session_date
    if getattr(series, "until_date", None) is not None:
        return next(iter_dates(session, series, session.session_date, series.until_date, Budget(),
                               descending=True), session.session_date)
    return None


def _known_end(session: Any, series: Any | None) -> date | None:
    """The series' last date without expanding it, where that is known."""
    if series is None:
        return None
    if getattr(series, "occurrence_count", None):
        return getattr(series, "last_date", None)
    return getattr(series, "until_date", None)


def dates_between(session: Any, series: Any | None, start: date, end: date, budget: Budget) -> list[date]:
    """The original dates of the lessons in [start, end] (removed dates left out), in order.
    A one-time session gives its own date."""
    first = session.session_date
    start, end = max(start, first), min(end, C.DATE_MAX)
    if not is_series(session):
        return [first] if start <= first <= end else []
    if end < start:
        return []
    parts = rule_parts(session)
    if getattr(series, "occurrence_count", None) and getattr(series, "last_date", None) is None:
        dates = [d for d in _dates_by_count(session, series, parts) if start <= d <= end]
        budget.spend(len(dates))
        return dates
    bound = _known_end(session, series)
    if bound is not None:
        end = min(end, bound)
        if end < start:
            return []
    found = set(_rule_dates(session, parts, start, end))
    found.update(d for d in specific_dates_of(session) if start <= d <= end)
    if start == first:
        found.add(first)
    found -= exdates_of(series)
    budget.spend(len(found))
    return sorted(found)


def iter_dates(session: Any, series: Any | None, start: date, end: date, budget: Budget,
               descending: bool = False) -> Iterator[date]:
    """The same dates as `dates_between`, lazily, in either order, a month at first and then
    longer steps: a list page takes only the first few from each series."""
    step = timedelta(days=31)
    first = session.session_date
    lo, hi = max(start, first), min(end, C.DATE_MAX)
    bound = _known_end(session, series) if is_series(session) else first
    if bound is not None:
        hi = min(hi, bound)
    if descending:
        day = hi
        while day >= lo:
            chunk_start = max(lo, day - step)
            yield from reversed(dates_between(session, series, chunk_start, day, budget))
            day = chunk_start - timedelta(days=1)
            step = min(step * 2, timedelta(days=CHUNK_DAYS))
    else:
        day = lo
        while day <= hi:
            chunk_end = min(hi, day + step)
            yield from dates_between(session, series, day, chunk_end, budget)
            day = chunk_end + timedelta(days=1)
            step = min(step * 2, timedelta(days=CHUNK_DAYS))


def is_lesson_date(session: Any, series: Any | None, day: date) -> bool:
    """Whether the session (its rule) gives a lesson on the original date `day`."""
    if C.date_error(day):
        return False
    return day in dates_between(session, series, day, day, Budget(10))


def end_errors(first: date | None, until: date | None, count: int | None) -> dict[str, list[str]]:
    """Checks of a series' end, by field name (until_date, occurrence_count)."""
    errors: dict[str, list[str]] = {}
    if until is not None and count is not None:
        errors["occurrence_count"] = [_("End the series by a date or by a number of lessons, not both.")]
    if until is not None and (problem := C.date_error(until)):
        errors["until_date"] = [problem]
    elif until is not None and first is not None and until < first:
        errors["until_date"] = [_("The series cannot end before its first lesson.")]
    if count is not None and not 1 <= count <= C.SERIES_MAX_LESSONS:
        errors["occurrence_count"] = [_("Between 1 and %(max)d lessons.", max=C.SERIES_MAX_LESSONS)]
    return errors


# --- Words ----------------------------------------------------------------------------


def _separator() -> str:
    return pgettext("between the items of a list", ", ")


def _join(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' in the reader's language."""
    if len(words) == 1:
        return words[0]
    return _("%(items)s and %(last)s", items=_separator().join(words[:-1]), last=words[-1])


def describe(session: Any, series: Any | None = None) -> str:
    """'Weekly on Tuesday and Thursday', 'Every two weeks on Monday', 'Monthly on day 5' …, in
    the reader's language (weekdays and months: CLDR's names; dates: the reader's calendar)."""
    from ..formatting import format_day, month_names, weekday_names
    from ..i18n import reading

    if not is_series(session):
        return str(C.FREQUENCY_LABELS["one-time"])
    r = reading()
    frequency = session.session_frequency
    if frequency == "monthly":
        head = _("Monthly on day %(day)d", day=session.session_date.day)
    else:
        names = weekday_names(r.language, "wide")
        days = _join([names[d] for d in weekdays_of(session)])
        head = _("Weekly on %(days)s", days=days) if frequency == "weekly" else \
            _("Every two weeks on %(days)s", days=days)
    parts = [head]
    months = months_of(session)
    if months:
        names = month_names(r.language, "gregorian", "wide")  # the rule's months are Gregorian ones
        parts.append(_("in %(months)s", months=_join([names[m - 1] for m in months])))
    extra = specific_dates_of(session)
    if extra:
        parts.append(_("and on %(dates)s", dates=_join([format_day(d, r, weekday=None) for d in extra])))
    start = format_day(session.session_date, r, weekday=None)
    if getattr(series, "until_date", None):
        parts.append(_("from %(start)s until %(end)s", start=start, end=format_day(series.until_date, r, weekday=None)))
    else:
        parts.append(_("from %(start)s", start=start))
        if getattr(series, "occurrence_count", None):
            parts.append(ngettext("%(num)d lesson", "%(num)d lessons", series.occurrence_count))
    return _separator().join(parts)
