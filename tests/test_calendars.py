"""webapp.calendars: ICU's Ethiopic calendar checked against an implementation of our own
(Julian Day Numbers, below), fixed points of the calendar, and the Ethiopian clock."""
from __future__ import annotations

import calendar
import threading
from datetime import date, datetime, time, timedelta

import icu
import pytest

from webapp import calendars as ec
from webapp.calendars import (
    DayPeriod,
    EthiopianDate,
    ethiopian_clock,
    format_ethiopian_time,
    from_ethiopian,
    from_ethiopian_clock,
    is_leap,
    month_days,
    month_length,
    month_weeks,
    to_ethiopian,
)

# --- a second, independent implementation ------------------------------------------------
# Julian Day Numbers (JDN: days since noon, 1 January 4713 BC Julian).
# Meskerem 1 of 1 Amete Mihret is Julian 29 August 8 AD = JDN 1724221 (Dershowitz &
# Reingold, Calendrical Calculations: ethiopic-epoch). The 4-year-cycle algorithm (Beyene &
# Kudlek) counts from 1723856 = 1724221 - 365, Meskerem 1 of the year 0. Leap years (Pagume 6)
# are those with year % 4 == 3. The two directions use the two formulations on purpose.

ETHIOPIC_EPOCH_JDN = 1724221  # Meskerem 1, 1 AM
CYCLE_EPOCH_JDN = 1723856  # Meskerem 1, 0 AM
GREGORIAN_ORDINAL_TO_JDN = 1721425  # date(1, 1, 1).toordinal() == 1 is JDN 1721426


def ref_ethiopic_to_jdn(year: int, month: int, day: int) -> int:
    return ETHIOPIC_EPOCH_JDN - 1 + 365 * (year - 1) + year // 4 + 30 * (month - 1) + day


def ref_jdn_to_ethiopic(jdn: int) -> tuple[int, int, int]:
    r = (jdn - CYCLE_EPOCH_JDN) % 1461
    n = r % 365 + 365 * (r // 1460)
    year = 4 * ((jdn - CYCLE_EPOCH_JDN) // 1461) + r // 365 - r // 1460
    return year, n // 30 + 1, n % 30 + 1


def ref_to_ethiopian(d: date) -> tuple[int, int, int]:
    return ref_jdn_to_ethiopic(d.toordinal() + GREGORIAN_ORDINAL_TO_JDN)


def ref_from_ethiopian(year: int, month: int, day: int) -> date:
    return date.fromordinal(ref_ethiopic_to_jdn(year, month, day) - GREGORIAN_ORDINAL_TO_JDN)


def ref_is_leap(year: int) -> bool:
    return year % 4 == 3


def fliegel_van_flandern_jdn(y: int, m: int, d: int, julian: bool = False) -> int:
    a = (14 - m) // 12
    yy, mm = y + 4800 - a, m + 12 * a - 3
    jdn = d + (153 * mm + 2) // 5 + 365 * yy + yy // 4 - 32083
    return jdn if julian else jdn - yy // 100 + yy // 400 + 38


def ref_next_day(year: int, month: int, day: int) -> tuple[int, int, int]:
    last = (6 if ref_is_leap(year) else 5) if month == 13 else 30
    if day < last:
        return year, month, day + 1
    return (year, month + 1, 1) if month < 13 else (year + 1, 1, 1)


def test_reference_implementation_epochs():
    assert fliegel_van_flandern_jdn(8, 8, 29, julian=True) == ETHIOPIC_EPOCH_JDN
    assert fliegel_van_flandern_jdn(2000, 1, 1) == 2451545  # J2000.0's day
    assert date(2000, 1, 1).toordinal() + GREGORIAN_ORDINAL_TO_JDN == 2451545
    assert ref_jdn_to_ethiopic(ETHIOPIC_EPOCH_JDN) == (1, 1, 1)
    assert ref_jdn_to_ethiopic(CYCLE_EPOCH_JDN) == (0, 1, 1)
    assert ref_ethiopic_to_jdn(0, 1, 1) == CYCLE_EPOCH_JDN
    for jdn in range(CYCLE_EPOCH_JDN - 3000, CYCLE_EPOCH_JDN + 3000):
        assert ref_ethiopic_to_jdn(*ref_jdn_to_ethiopic(jdn)) == jdn
    assert ref_to_ethiopian(date(2023, 9, 12)) == (2016, 1, 1)


# --- ICU against the reference -----------------------------------------------------------

def test_every_day_of_100_years_both_ways():
    d, end = date(1950, 1, 1), date(2049, 12, 31)
    expected = ref_to_ethiopian(d)
    one_day = timedelta(days=1)
    count = 0
    while d <= end:
        assert ref_to_ethiopian(d) == expected, d  # the reference walks day by day, too
        e = to_ethiopian(d)
        assert (e.year, e.month, e.day) == expected, d
        assert from_ethiopian(*expected) == d, expected
        expected = ref_next_day(*expected)
        d += one_day
        count += 1
    assert count == 36525


def test_sampled_over_the_whole_date_range():
    for ordinal in range(date.min.toordinal(), date.max.toordinal() + 1, 97):
        d = date.fromordinal(ordinal)
        e = ref_to_ethiopian(d)
        assert tuple(vars_of(to_ethiopian(d))) == e, d
        assert from_ethiopian(*e) == d, e
    for d in (date.min, date.max):
        assert from_ethiopian(*vars_of(to_ethiopian(d))) == d


def vars_of(e: EthiopianDate) -> tuple[int, int, int]:
    return e.year, e.month, e.day


def test_outside_the_date_range():
    first = to_ethiopian(date.min)
    with pytest.raises(ValueError, match="range"):
        from_ethiopian(first.year - 1, first.month, first.day)
    last = to_ethiopian(date.max)
    with pytest.raises(ValueError, match="range"):
        from_ethiopian(last.year + 1, 1, 1)


# --- fixed points -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("gregorian", "ethiopian"),
    [
        (date(2023, 9, 12), (2016, 1, 1)),  # 2024 is a Gregorian leap year: 12 September
        (date(2024, 9, 11), (2017, 1, 1)),
        (date(2023, 9, 11), (2015, 13, 6)),  # Pagume 6 of the leap year 2015
        (date(2024, 9, 10), (2016, 13, 5)),
        (date(2000, 1, 1), (1992, 4, 22)),
        (date(1970, 1, 1), (1962, 4, 23)),
        (date(2024, 1, 7), (2016, 4, 28)),  # Genna in the year after a leap year
        (date(2025, 1, 7), (2017, 4, 29)),  # Genna, Tahsas 29
        (date(2025, 1, 19), (2017, 5, 11)),  # Timkat, Tir 11
        (date(1896, 3, 1), (1888, 6, 23)),  # Adwa: Yekatit 23, 1888
    ],
)
def test_known_dates(gregorian, ethiopian):
    assert to_ethiopian(gregorian) == EthiopianDate(*ethiopian)
    assert from_ethiopian(*ethiopian) == gregorian


@pytest.mark.parametrize("g_year", range(1950, 2050))
def test_new_year_is_11_or_12_september(g_year):
    new_year = date(g_year, 9, 12 if calendar.isleap(g_year + 1) else 11)
    assert to_ethiopian(new_year) == EthiopianDate(g_year - 7, 1, 1)
    assert from_ethiopian(g_year - 7, 1, 1) == new_year
    last = to_ethiopian(new_year - timedelta(days=1))
    assert (last.year, last.month, last.day) == (g_year - 8, 13, 6 if is_leap(g_year - 8) else 5)


@pytest.mark.parametrize("g_year", range(1950, 2050))
def test_genna_is_7_january(g_year):
    """Genna is on Gregorian 7 January (1901-2099): Tahsas 29, or Tahsas 28 in an Ethiopian
    year that follows a leap year (its Meskerem 1 was a day later, 12 September)."""
    e = to_ethiopian(date(g_year, 1, 7))
    assert (e.year, e.month) == (g_year - 8, 4)
    assert e.day == (28 if is_leap(e.year - 1) else 29)


def test_pagume_6_only_in_leap_years():
    leap_years = [y for y in range(1900, 2101) if is_leap(y)]
    assert leap_years == [y for y in range(1900, 2101) if y % 4 == 3]
    assert len(leap_years) == 50
    for year in range(1900, 2101):
        assert month_length(year, 13) == (6 if year % 4 == 3 else 5)
        assert all(month_length(year, m) == 30 for m in range(1, 13))
        if year % 4 == 3:
            pagume_6 = from_ethiopian(year, 13, 6)
            assert pagume_6 + timedelta(days=1) == from_ethiopian(year + 1, 1, 1)
            assert EthiopianDate.of(year, 13, 6).day == 6
        else:
            with pytest.raises(ValueError, match="no such Ethiopian date"):
                from_ethiopian(year, 13, 6)
            with pytest.raises(ValueError):
                EthiopianDate.of(year, 13, 6)
        length = (from_ethiopian(year + 1, 1, 1) - from_ethiopian(year, 1, 1)).days
        assert length == (366 if is_leap(year) else 365)


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [(2016, 14, 1), (2016, 0, 1), (2016, -1, 1), (2016, 1, 31), (2016, 1, 0), (2016, 2, -5),
     (2016, 13, 6), (2015, 13, 7), (2016, 13, 30), (10**9, 1, 1)],
)
def test_impossible_dates_raise(year, month, day):
    with pytest.raises(ValueError):
        from_ethiopian(year, month, day)


@pytest.mark.parametrize("args", [(2016.0, 1, 1), (2016, "1", 1), (2016, 1, True), (None, 1, 1)])
def test_non_int_fields_raise_type_error(args):
    with pytest.raises(TypeError):
        from_ethiopian(*args)


@pytest.mark.parametrize(("month", "day"), [(0, 1), (14, 1), (1, 0), (1, 31), (13, 7)])
def test_ethiopian_date_checks_its_ranges(month, day):
    with pytest.raises(ValueError):
        EthiopianDate(2016, month, day)


def test_month_length_rejects_bad_months():
    for month in (0, 14):
        with pytest.raises(ValueError):
            month_length(2016, month)
    with pytest.raises(TypeError):
        month_length(2016, True)


# --- names, the date object ---------------------------------------------------------------

def test_month_names():
    assert ec.MONTH_NAMES == (
        "Meskerem", "Tikimt", "Hidar", "Tahsas", "Tir", "Yekatit", "Megabit",
        "Miyazya", "Ginbot", "Sene", "Hamle", "Nehase", "Pagume",
    )
    assert ec.MONTH_NAMES_AM == (
        "መስከረም", "ጥቅምት", "ኅዳር", "ታኅሣሥ", "ጥር", "የካቲት", "መጋቢት",
        "ሚያዝያ", "ግንቦት", "ሰኔ", "ሐምሌ", "ነሐሴ", "ጳጉሜን",
    )
    e = EthiopianDate(2016, 13, 3)
    assert (e.month_name, e.month_name_am) == ("Pagume", "ጳጉሜን")


def test_amharic_month_names_are_icus():
    locale = icu.Locale("am_ET@calendar=ethiopic")
    fmt = icu.SimpleDateFormat("MMMM", locale)
    fmt.setTimeZone(icu.TimeZone.getGMT())
    for month, name in enumerate(ec.MONTH_NAMES_AM, start=1):
        seconds = (from_ethiopian(2016, month, 1) - date(1970, 1, 1)).days * 86400.0
        assert fmt.format(seconds) == name


def test_ethiopian_date_object():
    e = to_ethiopian(date(2023, 9, 12))
    assert e == EthiopianDate(2016, 1, 1)
    assert str(e) == e.isoformat() == "2016-01-01"
    assert e.format() == "Meskerem 1, 2016"
    assert e.format("am") == "መስከረም 1 ቀን 2016 ዓ.ም."
    assert e.to_gregorian() == date(2023, 9, 12)
    assert not e.is_leap_year and EthiopianDate(2015, 1, 1).is_leap_year
    assert EthiopianDate(2015, 13, 6) < e < EthiopianDate(2016, 1, 2)
    assert hash(e) == hash(EthiopianDate(2016, 1, 1))
    with pytest.raises(AttributeError):
        e.day = 2  # type: ignore[misc]
    with pytest.raises(ValueError):
        e.format("fr")
    assert to_ethiopian(datetime(2023, 9, 12, 23, 59)) == e
    assert EthiopianDate(-7, 5, 8).isoformat() == "-0007-05-08"


# --- month view ----------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2015, 2016])
def test_month_days(year):
    all_days: list[date] = []
    for month in range(1, 14):
        days = month_days(year, month)
        assert len(days) == month_length(year, month)
        assert days[0] == from_ethiopian(year, month, 1)
        assert [to_ethiopian(d) for d in days] == [
            EthiopianDate(year, month, i) for i in range(1, len(days) + 1)
        ]
        all_days += days
    assert len(all_days) == (366 if year == 2015 else 365)
    assert all(b - a == timedelta(days=1) for a, b in zip(all_days, all_days[1:]))
    assert all_days[-1] + timedelta(days=1) == from_ethiopian(year + 1, 1, 1)


@pytest.mark.parametrize("firstweekday", [calendar.SUNDAY, calendar.MONDAY])
@pytest.mark.parametrize(("year", "month"), [(2016, 1), (2016, 13), (2015, 13), (2017, 5)])
def test_month_weeks(year, month, firstweekday):
    weeks = month_weeks(year, month, firstweekday)
    assert all(len(week) == 7 for week in weeks)
    cells = [d for week in weeks for d in week]
    assert [d for d in cells if d is not None] == month_days(year, month)
    assert weeks[0].count(None) < 7 and weeks[-1].count(None) < 7
    for i, d in enumerate(cells):
        if d is not None:
            assert d.weekday() == (firstweekday + i) % 7
    with pytest.raises(ValueError):
        month_weeks(year, month, 7)


# --- threads ----------------------------------------------------------------------------

def test_threads_each_get_a_calendar():
    days = [date(2000, 1, 1) + timedelta(days=i) for i in range(0, 20000, 7)]
    expected = [to_ethiopian(d) for d in days]
    results: dict[int, list[EthiopianDate]] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            got = [to_ethiopian(d) for d in days]
            assert [from_ethiopian(*vars_of(e)) for e in got] == days
            results[n] = got
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(results[n] == expected for n in range(4))


# --- the clock ----------------------------------------------------------------------------

M, A, E, N = DayPeriod.MORNING, DayPeriod.AFTERNOON, DayPeriod.EVENING, DayPeriod.NIGHT


@pytest.mark.parametrize(
    ("local", "reading"),
    [
        (time(7, 0), (1, 0, M)),
        (time(7, 30), (1, 30, M)),
        (time(12, 0), (6, 0, A)),
        (time(13, 0), (7, 0, A)),
        (time(17, 59), (11, 59, A)),
        (time(18, 0), (12, 0, E)),
        (time(19, 15), (1, 15, E)),
        (time(23, 59), (5, 59, E)),
        (time(0, 0), (6, 0, N)),
        (time(3, 0), (9, 0, N)),
        (time(5, 59), (11, 59, N)),
        (time(6, 0), (12, 0, M)),
        (time(6, 30, 59), (12, 30, M)),
        (time(11, 59), (5, 59, M)),
    ],
)
def test_ethiopian_clock(local, reading):
    assert ethiopian_clock(local) == reading
    hour, minute, period = reading
    assert from_ethiopian_clock(hour, minute, period) == local.replace(second=0)
    assert from_ethiopian_clock(hour, minute, period.value) == local.replace(second=0)


def test_every_minute_round_trips():
    seen = set()
    for minutes in range(24 * 60):
        t = time(minutes // 60, minutes % 60)
        reading = ethiopian_clock(t)
        assert 1 <= reading.hour <= 12 and reading.minute == t.minute
        assert reading.period is ec.day_period(t)
        assert from_ethiopian_clock(*reading) == t
        seen.add(reading)
    assert len(seen) == 24 * 60


def test_periods():
    assert [p.value for p in DayPeriod] == ["night", "morning", "afternoon", "evening"]
    assert [p.am for p in DayPeriod] == ["ሌሊት", "ጠዋት", "ቀን", "ምሽት"]
    assert [p.am_of for p in DayPeriod] == ["ከሌሊቱ", "ከጠዋቱ", "ከቀኑ", "ከምሽቱ"]
    assert [p.start for p in DayPeriod] == [time(0), time(6), time(12), time(18)]
    assert DayPeriod.MORNING == "morning" and DayPeriod.MORNING.english == "morning"


def test_format_ethiopian_time():
    assert format_ethiopian_time(time(7, 30)) == "1:30 in the morning"
    assert format_ethiopian_time(time(7, 30), "am") == "ከጠዋቱ 1:30 ሰዓት"
    assert format_ethiopian_time(time(19, 15)) == "1:15 in the evening"
    assert format_ethiopian_time(time(0, 0)) == "6:00 at night"
    assert format_ethiopian_time(time(13, 5), "am") == "ከቀኑ 7:05 ሰዓት"
    with pytest.raises(ValueError):
        format_ethiopian_time(time(7), "fr")


@pytest.mark.parametrize(
    "reading",
    [(6, 0, M), (12, 0, A), (6, 0, E), (12, 0, N), (0, 0, M), (13, 0, M), (1, 60, M)],
)
def test_impossible_clock_readings_raise(reading):
    with pytest.raises(ValueError):
        from_ethiopian_clock(*reading)


def test_unknown_period_raises():
    with pytest.raises(ValueError):
        from_ethiopian_clock(1, 0, "dawn")
