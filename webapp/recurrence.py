"""Series of sessions as dates: expansion, overrides, descriptions. Pure functions, no database.

A session with `is_recurring` is a series. Its lessons are, in wall-clock time of the tutor's
time zone (so a 16:00 lesson stays at 16:00 local across a daylight-saving change):

- `session_date` itself (the first lesson, like iCal's DTSTART, always counts), and
- the dates of an RFC 5545 rule built from `session_frequency` and `recurring_pattern`:
  weekly / bi-weekly on the pattern's "days" (empty: the weekday of `session_date`),
  monthly on the day of the month of `session_date`; "months", when given, keeps only
  those months;
- plus the pattern's "specific_dates" from `session_date` on (iCal RDATE);
- minus the series' removed dates (`SessionSeries.exdates`, iCal EXDATE);
- ended by `SessionSeries.until_date` or after `occurrence_count` lessons; an open-ended
  series is expanded up to whatever bound the caller asks for.

What one lesson has of its own (status, attendance, topics covered, a note, cancelled,
moved) comes from its `SessionOccurrence` row, keyed by series and original date.
The first lesson also carries the row's own status, attendance and topics covered: before
series existed the row *was* that lesson. Later lessons start scheduled and unmarked, or
cancelled when the whole series is.

The iCal feed (`webapp.calendar.ical`) writes the same rule from `rule_parts`, so a
calendar app and this module agree date for date (tested with recurring-ical-events).
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from . import choices as C

HORIZON_DAYS = 366  # how far ahead an open-ended series is shown by default
FREQUENCIES = {  # session_frequency -> (rrule frequency, interval)
    "weekly": (rrule.WEEKLY, 1),
    "bi-weekly": (rrule.WEEKLY, 2),
    "monthly": (rrule.MONTHLY, 1),
}
RRULE_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
ICAL_FREQ = {rrule.WEEKLY: "WEEKLY", rrule.MONTHLY: "MONTHLY"}
ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def zone(name: str | None) -> ZoneInfo:
    """The tutor's zone; an unknown or empty name falls back to the platform default."""
    try:
        return ZoneInfo(name or C.DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(C.DEFAULT_TIMEZONE)


def tutor_zone(session: Any) -> ZoneInfo:
    enrollment = getattr(session, "enrollment", None)
    tutor = getattr(enrollment, "tutor", None) if enrollment is not None else None
    return zone(getattr(tutor, "timezone", None))


def local_today(tz: ZoneInfo | str | None = None) -> date:
    tz = tz if isinstance(tz, ZoneInfo) else zone(tz)
    return datetime.now(tz).date()


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


def series_dates(session: Any, series: Any | None = None, *, until: date | None = None) -> list[date]:
    """The original dates of a series' lessons (removed dates left out), in order.

    `until` bounds an open-ended series (default: `HORIZON_DAYS` from today) and may cut a
    bounded one short. A one-time session gives its own date.
    """
    first = session.session_date
    if not is_series(session):
        return [first] if until is None or first <= until else []
    end = getattr(series, "until_date", None)
    count = getattr(series, "occurrence_count", None)
    if until is None and end is None and count is None:
        until = max(local_today(tutor_zone(session)), first) + timedelta(days=HORIZON_DAYS)
    bound = min(d for d in (end, until) if d is not None) if (end or until) else None
    removed = exdates_of(series)
    dates = _generate(session, bound if count is None else None)
    kept = (d for d in dates if d not in removed)
    if count is not None:
        kept = islice(kept, count)
    out = []
    for d in kept:
        if bound is not None and d > bound:
            break
        out.append(d)
    return out


def _generate(session: Any, bound: date | None):
    """Every date of the rule, DTSTART and RDATEs merged in order (lazy when unbounded)."""
    first = session.session_date
    rules = rrule.rruleset()
    parts = rule_parts(session)
    start = datetime.combine(first, time())
    if parts is not None:
        end = datetime.combine(bound, time()) if bound else None
        rules.rrule(rrule.rrule(dtstart=start, until=end, **parts))
    rules.rdate(start)
    for extra in specific_dates_of(session):
        if bound is None or extra <= bound:
            rules.rdate(datetime.combine(extra, time()))
    return (d.date() for d in rules)


def last_date(session: Any, series: Any | None = None) -> date | None:
    """The last lesson's original date of a bounded series; None when open-ended."""
    if not is_series(session):
        return session.session_date
    if getattr(series, "until_date", None) is None and getattr(series, "occurrence_count", None) is None:
        return None
    dates = series_dates(session, series)
    return dates[-1] if dates else session.session_date


# --- Words ----------------------------------------------------------------------------


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _day_month(d: date, year: bool = True) -> str:
    return f"{d.day} {C.MONTHS[d.month - 1][:3]}" + (f" {d.year}" if year else "")


def describe(session: Any, series: Any | None = None) -> str:
    """'Weekly on Tuesday and Thursday', 'Every two weeks on Monday', 'Monthly on day 5' …"""
    if not is_series(session):
        return C.FREQUENCY_LABELS["one-time"]
    frequency = session.session_frequency
    if frequency == "monthly":
        text = f"Monthly on day {session.session_date.day}"
    else:
        days = _join([C.WEEKDAYS[d] for d in weekdays_of(session)])
        text = ("Weekly on " if frequency == "weekly" else "Every two weeks on ") + days
    months = months_of(session)
    if months:
        text += ", in " + _join([C.MONTHS[m - 1] for m in months])
    extra = specific_dates_of(session)
    if extra:
        text += ", and on " + _join([_day_month(d) for d in extra])
    if getattr(series, "until_date", None):
        text += f", until {_day_month(series.until_date)}"
    elif getattr(series, "occurrence_count", None):
        n = series.occurrence_count
        text += f", {n} lesson{'s' if n != 1 else ''}"
    return text


# --- Occurrences ----------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """One lesson as the calendar shows it: a one-time session, or a lesson of a series
    with its override (if any) merged in."""

    session: Any  # the one-time session or the series row, for display
    original_date: date
    date: date
    start_time: time
    end_time: time
    start: datetime  # aware, in the tutor's zone
    end: datetime
    status: str
    tutor_attendance_status: str | None
    student_attendance_status: str | None
    topics_covered: list[str] = field(default_factory=list)
    note: str | None = None
    cancelled: bool = False
    moved: bool = False
    overridden: bool = False
    is_series: bool = False
    version: str = "new"  # what a change of this lesson starts from (override_version)

    @property
    def series_id(self) -> int:
        return self.session.id

    @property
    def key(self) -> tuple[int, date]:
        return (self.session.id, self.original_date)


def override_version(override: Any | None) -> str:
    """A lesson's version: its own record's last save, or "new" while it has none."""
    if override is None or getattr(override, "updated_at", None) is None:
        return "new"
    return f"{override.id}-{override.updated_at.isoformat()}"


def _aware(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def occurrence_of(session: Any, original: date, override: Any | None, tz: ZoneInfo) -> Occurrence:
    """Merge a series' lesson on `original` with its override (None: none)."""
    first = original == session.session_date
    status = session.status or C.DEFAULT_STATUS
    if not first:
        status = "cancelled" if status == "cancelled" else C.DEFAULT_STATUS
    tutor_att = session.tutor_attendance_status if first else None
    student_att = session.student_attendance_status if first else None
    covered = list(session.topics_covered or []) if first else []
    day, start, end, note, cancelled = original, session.start_time, session.end_time, None, False
    if override is not None:
        status = override.status or status
        tutor_att = override.tutor_attendance_status or tutor_att
        student_att = override.student_attendance_status or student_att
        if override.topics_covered is not None:
            covered = list(override.topics_covered)
        note = override.note
        cancelled = bool(override.cancelled)
        day = override.new_date or day
        start = override.new_start_time or start
        end = override.new_end_time or end
    cancelled = cancelled or status == "cancelled"
    if cancelled:
        status = "cancelled"
    return Occurrence(
        session=session, original_date=original, date=day, start_time=start, end_time=end,
        start=_aware(day, start, tz), end=_aware(day, end, tz), status=status,
        tutor_attendance_status=tutor_att, student_attendance_status=student_att,
        topics_covered=covered, note=note, cancelled=cancelled,
        moved=(day, start, end) != (original, session.start_time, session.end_time),
        overridden=override is not None, is_series=True, version=override_version(override),
    )


def single(session: Any, tz: ZoneInfo) -> Occurrence:
    """A one-time session as an occurrence (its own row holds everything)."""
    status = session.status or C.DEFAULT_STATUS
    return Occurrence(
        session=session, original_date=session.session_date, date=session.session_date,
        start_time=session.start_time, end_time=session.end_time,
        start=_aware(session.session_date, session.start_time, tz),
        end=_aware(session.session_date, session.end_time, tz), status=status,
        tutor_attendance_status=session.tutor_attendance_status,
        student_attendance_status=session.student_attendance_status,
        topics_covered=list(session.topics_covered or []), cancelled=status == "cancelled",
    )


def index_overrides(overrides: Iterable[Any]) -> dict[int, dict[date, Any]]:
    out: dict[int, dict[date, Any]] = {}
    for override in overrides:
        out.setdefault(override.session_id, {})[override.original_date] = override
    return out


def occurrences_between(sessions: Iterable[Any], overrides: Iterable[Any], start: date, end: date, *,
                        series: Mapping[int, Any] | None = None,
                        tz: ZoneInfo | str | None = None) -> list[Occurrence]:
    """Every lesson whose actual date lies in [start, end], in time order.

    `sessions`: one-time sessions and series; `overrides`: their `SessionOccurrence` rows
    (at least those whose original or new date is in the range); `series`: session id ->
    `SessionSeries` (absent: no end, no removed dates); `tz`: the zone of every session
    (None: each session's tutor's zone).
    """
    by_series = index_overrides(overrides)
    series = series or {}
    fixed_zone = None if tz is None else (tz if isinstance(tz, ZoneInfo) else zone(tz))
    out: list[Occurrence] = []
    for session in sessions:
        here = fixed_zone or tutor_zone(session)
        if not is_series(session):
            if start <= session.session_date <= end:
                out.append(single(session, here))
            continue
        own = by_series.get(session.id, {})
        moved_in = [d for d, o in own.items() if o.new_date is not None and start <= o.new_date <= end]
        bound = max([end, *moved_in])
        if session.session_date > bound:
            continue
        dates = series_dates(session, series.get(session.id), until=bound)
        wanted = [d for d in dates if d >= start or d in moved_in]
        for original in wanted:
            occurrence = occurrence_of(session, original, own.get(original), here)
            if start <= occurrence.date <= end:
                out.append(occurrence)
    out.sort(key=lambda o: (o.date, o.start_time, o.session.id, o.original_date))
    return out


def occurrences_of(session: Any, series: Any | None = None, overrides: Iterable[Any] = (), *,
                   start: date | None = None, end: date | None = None,
                   tz: ZoneInfo | str | None = None) -> list[Occurrence]:
    """The lessons of one session between start (default: its first) and end (default: its
    last, or the horizon for an open-ended series)."""
    first = start or session.session_date
    last = (end or last_date(session, series)
            or max(local_today(tz or tutor_zone(session)), first) + timedelta(days=HORIZON_DAYS))
    return occurrences_between([session], overrides, first, last,
                               series={session.id: series} if series is not None else None, tz=tz)


def next_dates(session: Any, n: int = 5, after: date | None = None, series: Any | None = None,
               overrides: Iterable[Any] = ()) -> list[date]:
    """The actual dates of the next `n` lessons that take place (cancelled ones skipped),
    from `after` (default: today) on, `after` included."""
    after = after or local_today(tutor_zone(session))
    by_date = index_overrides(overrides).get(session.id, {})
    if not is_series(session):
        return [session.session_date] if session.session_date >= after and session.status != "cancelled" else []
    out: list[date] = []
    step = timedelta(days=HORIZON_DAYS)
    bound = max(after, session.session_date) + step
    last = last_date(session, series)
    tz = ZoneInfo("UTC")  # only dates are asked for
    while len(out) < n:
        dates = series_dates(session, series, until=bound)
        out = []
        for original in dates:
            o = occurrence_of(session, original, by_date.get(original), tz)
            if o.date >= after and not o.cancelled:
                out.append(o.date)
        out.sort()
        if (last is not None and bound >= last) or bound > after + 10 * step:
            break
        bound += step
    return out[:n]


def end_errors(first: date | None, until: date | None, count: int | None) -> dict[str, list[str]]:
    """Checks of a series' end, by field name (until_date, occurrence_count)."""
    errors: dict[str, list[str]] = {}
    if until is not None and count is not None:
        errors["occurrence_count"] = ["End the series by a date or by a number of lessons, not both."]
    if until is not None and first is not None and until < first:
        errors["until_date"] = ["The series cannot end before its first lesson."]
    if count is not None and not 1 <= count <= 1000:
        errors["occurrence_count"] = ["Between 1 and 1000 lessons."]
    return errors


def clashes(candidates: Iterable[Occurrence], existing: Iterable[Occurrence],
            ignore: Iterable[int] = ()) -> list[tuple[Occurrence, Occurrence]]:
    """Pairs (candidate, existing) of lessons that overlap in time; cancelled lessons and the
    sessions in `ignore` (e.g. the one being edited) never clash. Touching ends do not."""
    skip = set(ignore)
    taken = sorted((o for o in existing if not o.cancelled and o.session.id not in skip),
                   key=lambda o: o.start)
    out = []
    for candidate in candidates:
        if candidate.cancelled:
            continue
        for other in taken:
            if other.start >= candidate.end:
                break
            if other.end > candidate.start:
                out.append((candidate, other))
    return out
