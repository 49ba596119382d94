"""How a user reads the app: /settings (language, calendar, clock), the browser's
Accept-Language on a first visit, Amharic pages, Ethiopian dates in lists, the month view
(13 months) and forms, and the three clocks."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from flask_babel import force_locale, gettext

from tests.conftest import Auth, csrf_from
from tests.factories import make_session, today
from tests.sessions_support import logged_in, token, world  # noqa: F401  (fixtures)
from tests.test_sessions_pages import form_data
from tests.test_sessions_safety import snapshot
from webapp import calendars as E
from webapp.extensions import db
from webapp.models import Session, User


def amharic(app, text: str) -> str:
    with app.test_request_context(), force_locale("am"):
        found = gettext(text)
    assert found != text, f"no Amharic for {text!r}"
    return found


def reads(user: User, **values) -> None:
    for name, value in values.items():
        setattr(user, name, value)
    db.session.commit()


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]*)"', html).group(1)


def in_range_cells(html: str) -> int:
    return len(re.findall(r'<td class="(?![^"]*cal-out)[^"]*"', html))


# --- /settings ---------------------------------------------------------------------------

def test_settings_change_each_reading_field_and_refuse_bad_values_changing_nothing(app, logged_in, world):
    page = logged_in.get("/settings")
    for name, values in (("language", ("en", "am")), ("calendar", ("gregorian", "ethiopian")),
                         ("clock", ("24h", "12h", "ethiopian"))):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page.text, re.S).group(1)
        assert re.findall(r'value="([^"]+)"', select) == list(values)
    assert "አማርኛ" in page.text and "English" in page.text  # each language by its own name
    base = {"csrf_token": csrf_from(page.text), "name": "Abebe Kebede", "timezone": "Africa/Addis_Ababa",
            "email_notifications": "y", "reminder_leads": ["1440"], "notify_changes": "y"}
    for bad in ({"language": "fr"}, {"calendar": "julian"}, {"clock": "25h"}, {"timezone": "Mars/Olympus"},
                {"name": "   "}):
        before = snapshot()
        answer = logged_in.post("/settings", data=base | {"language": "en", "calendar": "gregorian",
                                                          "clock": "24h"} | bad)
        assert answer.status_code == 422, bad
        assert 'aria-invalid="true"' in answer.text
        assert snapshot() == before, bad
    for field, value in (("language", "am"), ("calendar", "ethiopian"), ("clock", "12h"), ("clock", "ethiopian"),
                         ("timezone", "Europe/London"), ("name", "Abebe K.")):
        current = db.session.get(User, world.tutor.id)
        data = base | {"name": current.full_name, "timezone": current.timezone, "language": current.language or "en",
                       "calendar": current.calendar, "clock": current.clock} | {field: value}
        answer = logged_in.post("/settings", data=data)
        assert answer.status_code == 303, (field, answer.text[:500])
        db.session.expire_all()
        stored = {"name": "full_name"}.get(field, field)
        assert getattr(db.session.get(User, world.tutor.id), stored) == value
    # the confirmation is already in the language just chosen
    assert amharic(app, "Saved: your settings.") in logged_in.get("/settings").text


def test_a_post_without_the_reading_fields_keeps_them(logged_in, world):
    reads(world.tutor, language="am", calendar="ethiopian", clock="ethiopian")
    page = logged_in.get("/settings")
    answer = logged_in.post("/settings", data={"csrf_token": csrf_from(page.text), "name": "Abebe Kebede",
                                               "timezone": "Africa/Addis_Ababa", "reminder_leads": ["1440"]})
    assert answer.status_code == 303
    db.session.expire_all()
    user = db.session.get(User, world.tutor.id)
    assert (user.language, user.calendar, user.clock) == ("am", "ethiopian", "ethiopian")


# --- the language: Accept-Language, then the user's choice ------------------------------

def test_a_first_visit_follows_accept_language(app, client):
    amharic_page = client.get("/login", headers={"Accept-Language": "am-ET,am;q=0.9,en;q=0.5"})
    assert html_lang(amharic_page.text) == "am"
    assert amharic(app, "Log in") in amharic_page.text
    english = client.get("/login", headers={"Accept-Language": "fr-FR, de;q=0.8"})  # neither: English
    assert html_lang(english.text) == "en" and "Log in" in english.text
    assert html_lang(client.get("/login").text) == "en"


def test_a_user_follows_the_browser_until_they_choose(app, client, world):
    Auth(client).login()
    headers = {"Accept-Language": "am"}
    assert html_lang(client.get("/sessions", headers=headers).text) == "am"
    reads(world.tutor, language="en")
    assert html_lang(client.get("/sessions", headers=headers).text) == "en"


@pytest.mark.parametrize("path", ["/sessions", "/sessions?tab=past", "/calendar", "/calendar/week", "/settings",
                                  "/reports", "/calendar/feed", "/sessions/new", "LESSON", "SESSION"])
def test_with_amharic_the_pages_are_amharic(app, logged_in, world, path):
    reads(world.tutor, language="am")
    path = {"LESSON": f"/sessions/{world.mine.id}/lessons/{world.mine.session_date.isoformat()}",
            "SESSION": f"/sessions/{world.mine.id}"}.get(path, path)
    page = logged_in.get(path)
    assert page.status_code == 200
    assert html_lang(page.text) == "am"
    for text in ("Settings", "Calendar", "Log out"):
        assert amharic(app, text) in page.text
        assert f">{text}<" not in page.text


def test_a_row_follows_its_readers_language(app, logged_in, world):
    """Rows are rendered once per reader (markup.lesson_rows): switching language shows the
    same lesson with its labels in the new one."""
    english = logged_in.get("/sessions?tab=today").text
    assert ">Scheduled<" in english
    reads(world.tutor, language="am")
    assert amharic(app, "Scheduled") in logged_in.get("/sessions?tab=today").text


# --- the Ethiopian calendar ---------------------------------------------------------------

def test_ethiopian_dates_in_the_list_and_on_the_lesson_page(logged_in, world):
    day = today() + timedelta(days=3)
    s = make_session(world.enrollment, day, time(11), time(12), topics=["Fractions"])
    db.session.commit()
    e = E.to_ethiopian(day)
    reads(world.tutor, calendar="ethiopian")
    listing = logged_in.get("/sessions?tab=upcoming").text
    row = re.search(rf'<tr id="l{s.id}-{day:%Y%m%d}".*?</tr>', listing, re.S).group(0)
    assert f"{e.day} {E.MONTH_NAMES[e.month - 1]}" in row
    page = logged_in.get(f"/sessions/{s.id}/lessons/{day.isoformat()}").text
    assert f"{e.day} {E.MONTH_NAMES[e.month - 1]} {e.year}" in page
    reads(world.tutor, language="am")
    listing = logged_in.get("/sessions?tab=upcoming").text
    assert f"{e.day} {E.MONTH_NAMES_AM[e.month - 1]}" in listing


def test_the_ethiopian_month_view_has_thirteen_months_and_pagume(logged_in, world):
    reads(world.tutor, calendar="ethiopian")
    pagume = logged_in.get("/calendar?date=2026-09-08").text  # Pagume 3, 2018
    assert "Pagume 2018" in pagume and in_range_cells(pagume) == 5
    leap = logged_in.get("/calendar?date=2027-09-07").text  # 2019 is a leap year: Pagume 6 exists
    assert "Pagume 2019" in leap and in_range_cells(leap) == 6
    path, seen = "/calendar?date=2026-09-11", []  # Meskerem 1, 2019
    for _ in range(13):
        page = logged_in.get(path).text
        seen.append(re.search(r'<h1 id="cal-title">([^<]+)</h1>', page).group(1))
        path = re.search(r'<a href="([^"]+)"[^>]*rel="next"', page).group(1).replace("&amp;", "&")
    assert seen == [f"{name} 2019" for name in E.MONTH_NAMES]
    assert "Meskerem 2020" in logged_in.get(path).text
    assert in_range_cells(logged_in.get("/calendar?date=2026-12-02").text) == 30  # Hidar


def test_the_gregorian_month_view_is_unchanged(logged_in, world):
    page = logged_in.get("/calendar?date=2026-02-10").text
    assert "February 2026" in page and in_range_cells(page) == 28


def test_forms_take_ethiopian_dates_when_that_calendar_is_chosen(logged_in, world):
    reads(world.tutor, calendar="ethiopian")
    page = logged_in.get("/sessions/new")
    assert re.search(r'<input[^>]*name="session_date"[^>]*type="text"|<input[^>]*type="text"[^>]*name="session_date"',
                     page.text)
    target = today() + timedelta(days=10)
    e = E.to_ethiopian(target)
    typed = f"{e.day}/{e.month}/{e.year}"
    answer = logged_in.post("/sessions/new", data=form_data(world, token(logged_in, "/sessions/new"), session_date=typed))
    assert answer.status_code == 303, answer.text[:1500]
    created = db.session.scalars(db.select(Session).order_by(Session.id.desc())).first()
    assert created.session_date == target
    before = snapshot()
    bad = logged_in.post("/sessions/new", data=form_data(world, token(logged_in, "/sessions/new"),
                                                          session_date=f"6/13/{2018}"))  # Pagume 2018 has 5 days
    assert bad.status_code == 422 and "Ethiopian calendar" in bad.text and 'value="6/13/2018"' in bad.text
    assert snapshot() == before
    iso = logged_in.post("/sessions/new", data=form_data(world, token(logged_in, "/sessions/new"),
                                                          session_date=(target + timedelta(days=1)).isoformat()))
    assert iso.status_code == 303  # an ISO date is Gregorian, whatever the calendar
    edit = logged_in.get(f"/sessions/{created.id}/edit").text
    assert f'value="{typed}"' in edit


def test_list_filters_take_ethiopian_dates_and_iso_links(logged_in, world):
    reads(world.tutor, calendar="ethiopian")
    day = today()
    e = E.to_ethiopian(day)
    typed = logged_in.get(f"/sessions?date_from={e.day}/{e.month}/{e.year}&date_to={e.day}/{e.month}/{e.year}").text
    linked = logged_in.get(f"/sessions?date_from={day.isoformat()}&date_to={day.isoformat()}").text
    assert f'id="l{world.mine.id}-{day:%Y%m%d}"' in typed and f'id="l{world.mine.id}-{day:%Y%m%d}"' in linked


# --- clocks -----------------------------------------------------------------------------

@pytest.mark.parametrize("clock, language, shown", [
    ("24h", "en", "07:30"), ("12h", "en", "7:30 am"), ("ethiopian", "en", "1:30 in the morning"),
    ("ethiopian", "am", "ከጠዋቱ 1:30 ሰዓት"), ("12h", "am", "7:30 ጥዋት"),
])
def test_lesson_times_on_each_clock(logged_in, world, clock, language, shown):
    s = make_session(world.enrollment, today() + timedelta(days=1), time(7, 30), time(8, 30))
    db.session.commit()
    reads(world.tutor, clock=clock, language=language)
    page = logged_in.get(f"/sessions/{s.id}/lessons/{s.session_date.isoformat()}").text
    assert shown in page
    assert shown in logged_in.get("/sessions?tab=upcoming").text


def test_ethiopian_clock_evening_and_night():
    from webapp.formatting import format_time
    from webapp.i18n import Reading

    r = Reading("en", "gregorian", "ethiopian")
    assert format_time(time(18), r) == "12:00 in the evening"
    assert format_time(time(19), r) == "1:00 in the evening"
    assert format_time(time(0), r) == "6:00 at night"
    assert format_time(time(12), r) == "6:00 in the afternoon"
    assert format_time(time(6), r) == "12:00 in the morning"


def test_dates_read_the_same_both_ways():
    from webapp.fields import parse_date, show_date

    for day in (date(2026, 9, 11), date(2027, 9, 11), date(2024, 2, 29), date(1999, 12, 31), date(2026, 9, 10)):
        assert parse_date(show_date(day, "ethiopian"), "ethiopian") == day
        assert parse_date(show_date(day, "gregorian"), "gregorian") == day
    assert parse_date("23 ኅዳር 2019", "ethiopian") == date(2026, 12, 2)
    assert parse_date("23 hidar 2019 ዓ.ም.", "ethiopian") == date(2026, 12, 2)
    for bad in ("31/1/2019", "6/13/2018", "2/2", "hello", "0/1/2019"):
        with pytest.raises(ValueError):
            parse_date(bad, "ethiopian")
    with pytest.raises(ValueError):
        parse_date("23/3/2019", "gregorian")  # day/month/year only means Ethiopian
