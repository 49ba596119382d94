"""Reminders and notices, delivered by the worker to a real SMTP server (aiosmtpd on a free
port): what is due and what is not, each recipient's zone and preferences, notices of moves,
cancellations and absences, retries after a 451, exactly once with three workers at the same
moment, unsubscribe links, the outbox page, and the command with its SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.conftest import Auth, csrf_from
from tests.factories import make_enrollment, make_session, make_user, today
from tests.lesson_support import cancel_lesson, mark_lesson, move_lesson
from tests.mailbox import Mailbox, attachment, header, html_of, subject, text_of
from webapp import choices as C
from webapp.extensions import db, mail
from webapp.models import Notification, Session, User
from webapp.notifications.worker import Worker

ADDIS = ZoneInfo("Africa/Addis_Ababa")
LONDON = ZoneInfo("Europe/London")
LOCAL = "http://localhost:5000"  # LOCAL_BASE_URL: the worker's links when BASE_URL is unset


@pytest.fixture
def mailbox(app):
    """The app delivers to a real SMTP server for the test."""
    with Mailbox() as box:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=box.port)
        mail.init_app(app)
        yield box


@dataclass
class People:
    tutor: User
    student: User
    parent: User
    lesson: Session  # one-time, in three days at 10:00 Addis Ababa, notification_enabled


@pytest.fixture
def people(app) -> People:
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede", daily_digest=False)
    student = make_user("student", email="student@example.com", name="Selam Girma", timezone="Europe/London")
    parent = make_user("parent", email="parent@example.com", name="Girma Wolde")
    student.parents.append(parent)
    enrollment = make_enrollment(tutor, student, course="Mathematics")
    lesson = make_session(enrollment, today() + timedelta(days=3), time(10), time(11), topics=["Fractions", "Ratios"],
                          notification_enabled=True, session_mode="in-person", location="Bole library")
    db.session.commit()
    return People(tutor, student, parent, lesson)


def utc_of(day: date, at: time, zone: ZoneInfo = ADDIS) -> datetime:
    return datetime.combine(day, at, zone).astimezone(timezone.utc).replace(tzinfo=None)


def run(now: datetime | None = None):
    return Worker().run_once(now)


def rows(**where) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).filter_by(**where).order_by(Notification.id)))


# --- Reminders ------------------------------------------------------------------------------


def test_a_reminder_reaches_student_parent_and_tutor_once_in_their_own_zones(app, people, mailbox):
    starts = utc_of(people.lesson.session_date, time(10))
    assert run(starts - timedelta(hours=25)).sent == 0  # not due yet (24 hours before)
    assert mailbox.messages == []

    tally = run(starts - timedelta(hours=23))
    assert tally.sent == 3
    assert sorted(m["To"] for m in mailbox.messages) == ["parent@example.com", "student@example.com",
                                                         "tutor@example.com"]
    day = people.lesson.session_date
    for message in mailbox.messages:
        body = text_of(message)
        assert "Mathematics" in message["Subject"] and "Fractions, Ratios" in body
        assert "In person" in body and "Bole library" in body
        assert f"/sessions/{people.lesson.id}/lessons/{day.isoformat()}" in body
        assert "Fractions" in html_of(message)
        assert header(message, "List-Unsubscribe").startswith("<http://localhost:5000/unsubscribe/")
    # Each on their own clock: 10:00 in Addis Ababa is 07:00 in London in winter.
    assert "10:00–11:00 (Africa/Addis_Ababa)" in text_of(mailbox.to("tutor@example.com")[0])
    london = datetime.combine(day, time(10), ADDIS).astimezone(LONDON)
    assert f"{london:%H:%M}–" in subject(mailbox.to("student@example.com")[0])
    assert "(Europe/London)" in text_of(mailbox.to("student@example.com")[0])
    assert "with Selam Girma" in subject(mailbox.to("tutor@example.com")[0])
    assert "with Abebe Kebede" in subject(mailbox.to("parent@example.com")[0])

    assert run(starts - timedelta(hours=22)).sent == 0  # never twice
    assert run(starts + timedelta(minutes=1)).sent == 0  # nor after it began
    assert len(mailbox.messages) == 3


def test_no_message_at_all_for_a_session_without_notification_enabled(app, people, mailbox):
    people.lesson.notification_enabled = False
    db.session.commit()
    starts = utc_of(people.lesson.session_date, time(10))
    assert run(starts - timedelta(hours=2)).sent == 0
    day = people.lesson.session_date
    move_lesson(people.lesson, day, day + timedelta(days=1))
    mark_lesson(db.session.get(Session, people.lesson.id), day + timedelta(days=1), status="cancelled")
    run(starts - timedelta(hours=1))
    assert mailbox.messages == [] and rows() == [r for r in rows() if r.state == "void"]


def test_lead_times_and_email_switch_follow_each_persons_settings(app, people, mailbox):
    people.tutor.reminder_leads = [1440, 60]  # the second reminder switched on
    people.parent.reminder_leads = [60]
    people.student.email_notifications = False
    db.session.commit()
    starts = utc_of(people.lesson.session_date, time(10))
    run(starts - timedelta(hours=23))
    assert [m["To"] for m in mailbox.messages] == ["tutor@example.com"]
    run(starts - timedelta(minutes=50))
    assert sorted(m["To"] for m in mailbox.messages) == ["parent@example.com", "tutor@example.com",
                                                         "tutor@example.com"]
    assert "1 hour before" in text_of(mailbox.to("parent@example.com")[0])
    assert mailbox.to("student@example.com") == []


def test_a_lesson_created_inside_its_lead_times_gets_the_nearest_reminder_at_the_next_run(app, people, mailbox):
    people.tutor.reminder_leads = [1440, 60]
    db.session.commit()
    starts = utc_of(people.lesson.session_date, time(10))
    run(starts - timedelta(minutes=30))  # both lead times have passed: one reminder, not two
    assert len(mailbox.to("tutor@example.com")) == 1
    assert "1 hour before" in text_of(mailbox.to("tutor@example.com")[0])


def test_reminders_of_a_series_come_from_its_rule_not_from_rows_made_in_advance(app, people, mailbox):
    first = today() - timedelta(days=14)
    series = make_session(people.lesson.enrollment, first, time(16), time(17), is_recurring=True,
                          session_frequency="weekly", notification_enabled=True, topics=["Reading"],
                          recurring_pattern={"days": [], "months": [], "specific_dates": []})
    db.session.commit()
    assert rows() == []  # nothing written ahead
    nxt = first + timedelta(days=21)
    run(utc_of(nxt, time(16)) - timedelta(hours=3))
    reminded = [m for m in mailbox.messages if "Reading" in text_of(m)]
    assert len(reminded) == 3
    assert all(f"/sessions/{series.id}/lessons/{nxt.isoformat()}" in text_of(m) for m in reminded)
    assert {r.lesson_date for r in rows(session_id=series.id)} == {nxt}


# --- Notices ----------------------------------------------------------------------------------


def test_a_move_and_a_cancel_send_one_notice_each_with_a_calendar_update(app, people, mailbox):
    day = people.lesson.session_date
    move_lesson(people.lesson, day, day + timedelta(days=1), time(14), time(15))
    run()
    moved = [m for m in mailbox.messages if subject(m).startswith("Moved")]
    assert sorted(m["To"] for m in moved) == ["parent@example.com", "student@example.com", "tutor@example.com"]
    notice = mailbox.to("parent@example.com")[0]
    assert "14:00–15:00" in subject(notice) and "10:00–11:00" in text_of(notice)  # now, and was
    ics = attachment(notice)
    assert "METHOD:PUBLISH" in ics and f"UID:session-{people.lesson.id}@tutor-sessions" in ics
    assert "DTSTART;TZID=Africa/Addis_Ababa:" in ics and "T140000" in ics

    session = db.session.get(Session, people.lesson.id)
    cancel_lesson(session, day + timedelta(days=1))
    run()
    cancelled = [m for m in mailbox.messages if subject(m).startswith("Cancelled")]
    assert len(cancelled) == 3
    assert "METHOD:CANCEL" in attachment(cancelled[0]) and "STATUS:CANCELLED" in attachment(cancelled[0])
    run()
    assert len(mailbox.messages) == 6  # one notice each, never again


def test_the_person_who_made_the_change_gets_no_notice_of_it(app, people, mailbox):
    client = app.test_client()
    Auth(client).login("tutor@example.com")
    day = people.lesson.session_date
    page = client.get(f"/sessions/{people.lesson.id}/lessons/{day.isoformat()}")
    answer = client.post(f"/sessions/{people.lesson.id}/lessons/{day.isoformat()}",
                         data={"csrf_token": csrf_from(page.text), "status": "cancelled",
                               "version": _version(page.text)})
    assert answer.status_code in (200, 303)
    run()
    assert sorted(m["To"] for m in mailbox.messages) == ["parent@example.com", "student@example.com"]


def _version(html: str) -> str:
    import re

    return re.search(r'name="version" value="([^"]+)"', html).group(1)


def test_a_student_marked_absent_is_told_to_the_parents_only(app, people, mailbox):
    past = make_session(people.lesson.enrollment, today() - timedelta(days=1), time(9), time(10),
                        notification_enabled=True, topics=["Decimals"])
    db.session.commit()
    mark_lesson(past, past.session_date, student_attendance_status="absent")
    run()
    assert [m["To"] for m in mailbox.messages] == ["parent@example.com"]
    assert subject(mailbox.messages[0]).startswith("Absent: Selam Girma missed Mathematics")


def test_correcting_a_past_lesson_tells_no_one_and_looks_no_one_up(app, people, mailbox):
    """A cancel of a lesson that is over (in every zone) is a correction of the record: no
    notice, and not even the query for its audience; bringing it back to the future is news."""
    from tests.querycount import count_queries

    past = make_session(people.lesson.enrollment, today() - timedelta(days=2), time(9), time(10),
                        notification_enabled=True, topics=["Decimals"])
    quiet = make_session(people.lesson.enrollment, today() - timedelta(days=3), time(9), time(10),
                         notification_enabled=False, topics=["Decimals"])
    db.session.commit()
    with count_queries(db.engine) as told:
        cancel_lesson(past, past.session_date)
    with count_queries(db.engine) as untold:
        cancel_lesson(quiet, quiet.session_date)
    run()
    assert mailbox.messages == [] and told.count == untold.count
    back = make_session(people.lesson.enrollment, today() - timedelta(days=4), time(9), time(10),
                        notification_enabled=True, topics=["Decimals"])
    db.session.commit()
    move_lesson(back, back.session_date, today() + timedelta(days=2), time(9), time(10))  # brought back: news
    run()
    assert sorted(m["To"] for m in mailbox.messages if subject(m).startswith("Moved")) == [
        "parent@example.com", "student@example.com", "tutor@example.com"]


def test_a_cancelled_lesson_is_not_reminded(app, people, mailbox):
    starts = utc_of(people.lesson.session_date, time(10))
    cancel_lesson(people.lesson, people.lesson.session_date)
    run(starts - timedelta(hours=2))
    assert all(subject(m).startswith("Cancelled") for m in mailbox.messages)


# --- Delivery ---------------------------------------------------------------------------------


def test_a_451_is_one_log_line_then_a_retry_within_two_minutes_delivers_it_once(app, people, mailbox, caplog):
    people.student.email_notifications = people.parent.email_notifications = False
    db.session.commit()
    mailbox.fail_first = 1
    starts = utc_of(people.lesson.session_date, time(10))
    now = starts - timedelta(hours=2)
    tally = run(now)
    assert (tally.sent, tally.retried) == (0, 1)
    [row] = rows(kind="reminder")
    assert row.state == "pending" and row.last_error.startswith("451")
    assert timedelta(0) < row.next_attempt_at - now <= timedelta(minutes=2)
    warnings = [r for r in caplog.records if r.name == "webapp.notifications.worker"]
    assert len(warnings) == 1 and warnings[0].exc_info is None and "\n" not in warnings[0].getMessage()

    assert run(now + timedelta(seconds=30)).sent == 0  # not yet
    assert run(now + timedelta(minutes=2)).sent == 1
    assert len(mailbox.messages) == 1
    [row] = rows(kind="reminder")
    assert (row.state, row.attempts) == ("sent", 2)
    assert run(now + timedelta(minutes=10)).sent == 0 and len(mailbox.messages) == 1


def test_a_server_that_is_down_loses_nothing(app, people):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens there
    mail.init_app(app)
    starts = utc_of(people.lesson.session_date, time(10))
    tally = run(starts - timedelta(hours=2))
    assert tally.retried == 3 and tally.sent == 0
    assert {r.state for r in rows(kind="reminder")} == {"pending"}


def test_three_workers_started_at_the_same_moment_deliver_each_message_exactly_once(app, people, mailbox):
    enrollment = people.lesson.enrollment
    day = people.lesson.session_date
    for hour in range(12, 20):
        make_session(enrollment, day, time(hour), time(hour, 45), notification_enabled=True, topics=[f"T{hour}"])
    db.session.commit()
    now = utc_of(day, time(10)) - timedelta(hours=1)
    start = threading.Barrier(3)
    tallies, failures = [], []

    def work():
        try:
            with app.app_context():
                start.wait()
                tallies.append(Worker().run_once(now))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    expected = 9 * 3  # nine lessons, three people each
    assert len(mailbox.messages) == expected
    assert len(set(mailbox.keys())) == expected  # no duplicates
    assert sum(t.sent for t in tallies) == expected
    assert {r.state for r in rows(kind="reminder")} == {"sent"}


# --- Unsubscribe, outbox, settings ------------------------------------------------------------


def test_an_unsubscribe_link_works_without_logging_in_and_stops_that_kind_only(app, people, mailbox):
    starts = utc_of(people.lesson.session_date, time(10))
    run(starts - timedelta(hours=20))
    link = header(mailbox.to("parent@example.com")[0], "List-Unsubscribe").strip("<>").replace(LOCAL, "")
    anonymous = app.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200 and "Reminders before lessons" in page.text
    assert db.session.get(User, people.parent.id).reminder_leads == [1440]  # a GET changes nothing
    assert anonymous.post(link, data={}).status_code == 400  # no CSRF token, no one-click
    done = anonymous.post(link, data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and "no longer get" in done.text
    db.session.expire_all()
    parent = db.session.get(User, people.parent.id)
    assert parent.reminder_leads == [] and parent.notify_changes  # changes still come
    assert anonymous.get(link[:-3] + "xyz").status_code == 404  # a forged token

    # A mail app's one-click (RFC 8058): no page, no token but the link's own.
    student_link = header(mailbox.to("student@example.com")[0], "List-Unsubscribe").strip("<>").replace(LOCAL, "")
    assert app.test_client().post(student_link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, people.student.id).reminder_leads == []

    day = people.lesson.session_date
    move_lesson(db.session.get(Session, people.lesson.id), day, day + timedelta(days=2))
    run()
    assert len(mailbox.to("parent@example.com")) == 2  # the move notice still reached the parent


def test_without_a_mail_server_messages_stay_in_the_outbox_and_its_page_shows_them(app, people):
    assert not app.config["MAIL_SERVER"]
    starts = utc_of(people.lesson.session_date, time(10))
    tally = run(starts - timedelta(hours=20))
    assert tally.kept == 3 and tally.sent == 0
    parent = app.test_client()
    Auth(parent).login("parent@example.com")
    page = parent.get("/outbox")
    assert page.status_code == 200 and page.text.count("Reminder: Mathematics") == 1
    [row] = rows(recipient_id=people.parent.id)
    shown = parent.get(f"/outbox/{row.id}")
    assert "Fractions, Ratios" in shown.text and "Bole library" in shown.text
    html = parent.get(f"/outbox/{row.id}.html")
    assert "sandbox" in html.headers["Content-Security-Policy"] and "Fractions" in html.text
    [tutors] = rows(recipient_id=people.tutor.id)
    assert parent.get(f"/outbox/{tutors.id}").status_code == 404  # not theirs

    app.config["MAIL_SERVER"] = "127.0.0.1"
    assert parent.get("/outbox").status_code == 404  # with a mail server, mail is read in a mail app


def test_settings_save_the_preferences_and_refuse_bad_input_changing_nothing(app, people):
    client = app.test_client()
    Auth(client).login("parent@example.com")
    page = client.get("/settings")
    assert page.status_code == 200
    for name in ("name", "timezone", "reminder_leads", "notify_changes", "notify_absence", "email_notifications"):
        assert f'name="{name}"' in page.text
    assert page.text.index("Africa/Addis Ababa") < page.text.index("Africa/Abidjan")  # Addis Ababa first
    token = csrf_from(page.text)
    bad = client.post("/settings", data={"csrf_token": token, "name": "Girma W.", "timezone": "Mars/Olympus",
                                         "reminder_leads": ["1440"]})
    assert bad.status_code == 422 and "Not a valid choice" in bad.text
    db.session.expire_all()
    assert db.session.get(User, people.parent.id).full_name == "Girma Wolde"
    saved = client.post("/settings", data={"csrf_token": token, "name": "Girma W.", "timezone": "Europe/London",
                                           "email_notifications": "y", "reminder_leads": ["1440", "60"],
                                           "notify_absence": "y"})
    assert saved.status_code == 303
    db.session.expire_all()
    parent = db.session.get(User, people.parent.id)
    assert (parent.full_name, parent.timezone, parent.reminder_leads) == ("Girma W.", "Europe/London", [1440, 60])
    assert parent.notify_absence and not parent.notify_changes
    assert client.post("/settings", data={"name": "X", "timezone": "UTC"}).status_code == 400  # no CSRF


def test_a_password_change_needs_the_current_one_and_ends_the_other_logins(app, people):
    client, other = app.test_client(), app.test_client()
    Auth(client).login("tutor@example.com")
    Auth(other).login("tutor@example.com")
    token = csrf_from(client.get("/settings").text)
    wrong = client.post("/settings/password", data={"csrf_token": token, "current_password": "nope",
                                                    "new_password": "a-better-one", "confirm_password": "a-better-one"})
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    short = client.post("/settings/password", data={"csrf_token": token, "current_password": "secret-pw",
                                                    "new_password": "short", "confirm_password": "short"})
    assert short.status_code == 422 and "at least 8 characters" in short.text
    done = client.post("/settings/password", data={"csrf_token": token, "current_password": "secret-pw",
                                                   "new_password": "a-better-one", "confirm_password": "a-better-one"})
    assert done.status_code == 303
    assert client.get("/settings").status_code == 200  # this login goes on
    assert other.get("/settings").status_code == 302  # the other one ended
    assert Auth(app.test_client()).login("tutor@example.com", "a-better-one").status_code == 302


# --- The digest and the command ---------------------------------------------------------------


def test_the_tutor_gets_a_daily_list_of_lessons_to_mark_once(app, people, mailbox):
    people.tutor.daily_digest = True
    make_session(people.lesson.enrollment, today() - timedelta(days=2), time(9), time(10), topics=["Primes"])
    db.session.commit()
    tomorrow = today() + timedelta(days=1)
    run(utc_of(tomorrow, time(C.DIGEST_HOUR - 1)))  # not before the hour
    assert [m for m in mailbox.messages if "to mark" in subject(m)] == []
    run(utc_of(tomorrow, time(C.DIGEST_HOUR, 30)))
    digests = [m for m in mailbox.messages if "to mark" in subject(m)]
    assert [(m["To"], subject(m)) for m in digests] == [("tutor@example.com", "1 lesson to mark")]
    assert "Mathematics with Selam Girma" in text_of(digests[0])
    run(utc_of(tomorrow, time(C.DIGEST_HOUR, 45)))
    assert len([m for m in mailbox.messages if "to mark" in subject(m)]) == 1  # once a day


def test_send_notifications_once_from_the_command_line(app, people, runner):
    result = runner.invoke(args=["send-notifications", "--once"])
    assert result.exit_code == 0, result.output
    assert "MAIL_SERVER is not set" in result.output and "Notifications: planned" in result.output


def test_the_worker_polls_and_exits_within_ten_seconds_of_sigterm(app, people, database_url):
    people.tutor.reminder_leads = [2880]  # two days: a lesson tomorrow night is due now
    make_session(people.lesson.enrollment, today() + timedelta(days=1), time(23), time(23, 45),
                 notification_enabled=True)
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "x", "MAIL_SERVER": ""}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "webapp", "send-notifications"],
                              env=env, cwd=os.path.dirname(os.path.dirname(__file__)),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = clock.monotonic() + 30
        while clock.monotonic() < deadline and not rows():
            clock.sleep(0.2)
        assert rows(), "the polling worker wrote nothing"
        worker.send_signal(signal.SIGTERM)
        began = clock.monotonic()
        worker.wait(15)
        assert clock.monotonic() - began < 10
        assert worker.returncode == 0
        assert "stopped" in worker.stdout.read()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()
