"""Demo data for an Ethiopian tutoring platform: believable, deterministic, idempotent.

Users are found by email and enrollments by (tutor, student, course), so a second run adds
nothing; an enrollment gets its sessions only while it has none.

No accidental overlaps: each enrollment teaches in a band of the day of its own (its tutor's
enrollments and its student's enrollments never share a band), one-time lessons in the
band's first half and its series in the second half.
"""
from __future__ import annotations

import itertools
from datetime import date, time, timedelta

from . import choices as C
from .extensions import db
from .lessons import plans
from .lessons import recurrence as R
from .models import Enrollment, LessonRecord, Review, Session, User, Whiteboard

TUTORS = [
    ("tutor1@example.com", "Abebe Kebede"),
    ("tutor2@example.com", "Meron Tadesse"),
    ("tutor3@example.com", "Dawit Haile"),
]
ADMIN = ("admin@example.com", "Platform admin")
# student email, name, parent email, parent name
STUDENTS = [
    ("student1@example.com", "Selam Girma", "parent1@example.com", "Girma Wolde"),
    ("yonas.bekele@example.com", "Yonas Bekele", "almaz.bekele@example.com", "Almaz Bekele"),
    ("hanna.alemu@example.com", "Hanna Alemu", "tigist.alemu@example.com", "Tigist Alemu"),
    ("biniam.tesfaye@example.com", "Biniam Tesfaye", "tesfaye.mulu@example.com", "Tesfaye Mulu"),
    ("liya.mengistu@example.com", "Liya Mengistu", "mengistu.ayele@example.com", "Mengistu Ayele"),
    ("kaleb.assefa@example.com", "Kaleb Assefa", "hirut.assefa@example.com", "Hirut Assefa"),
    ("ruth.wolde@example.com", "Ruth Wolde", "meseret.wolde@example.com", "Meseret Wolde"),
    ("nahom.desta@example.com", "Nahom Desta", "desta.gebre@example.com", "Desta Gebre"),
    ("tsion.abera@example.com", "Tsion Abera", "abera.lemma@example.com", "Abera Lemma"),
]
COURSE_TOPICS = {
    "Mathematics (Grade 10)": ["Quadratic equations", "Functions and graphs", "Trigonometry",
                               "Probability", "Sequences and series", "Logarithms"],
    "Physics (Grade 11)": ["Kinematics", "Newton's laws", "Work and energy", "Momentum",
                           "Electric circuits", "Waves"],
    "Chemistry (Grade 11)": ["Atomic structure", "Chemical bonding", "Stoichiometry",
                             "Acids and bases", "Organic chemistry basics"],
    "English": ["Essay structure", "Reading comprehension", "Reported speech",
                "Conditionals", "Presentation skills"],
    "Amharic": ["ፊደል ንባብ (reading the fidel)", "ሰዋስው (grammar)", "ድርሰት (composition)",
                "ስነ ጽሑፍ (literature)"],
}
# tutor index, student index, course, band (a three-hour part of the day, see BANDS)
ENROLLMENTS = [
    (0, 0, "Mathematics (Grade 10)", 0), (0, 1, "Mathematics (Grade 10)", 1), (0, 2, "Physics (Grade 11)", 2),
    (0, 3, "Mathematics (Grade 10)", 3),
    (1, 4, "Chemistry (Grade 11)", 0), (1, 5, "English", 1), (1, 0, "English", 2),
    (2, 6, "Amharic", 0), (2, 7, "Physics (Grade 11)", 1), (2, 8, "Amharic", 2),
]
BANDS = (time(8, 0), time(11, 0), time(14, 0), time(17, 0))
LOCATIONS = ["Bole library, study room 2", "Student's home, Kazanchis", "Sarbet learning centre"]
DAY_OFFSETS = [-21, -14, -9, -6, -3, -1, 0, 1, 2, 5, 9, 14]
# What each enrollment's series is, in turn: a term of weekly Tuesday/Thursday lessons
# (marked one by one, one cancelled, one moved), a two-weekly one, a monthly one.
SERIES_KINDS = ("term", "bi-weekly", "monthly", "term", "bi-weekly")


def _user(email: str, name: str, role: str, password: str) -> tuple[User, bool]:
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None:
        user = User(email=email, full_name=name, role=role)
        user.set_password(password)
        db.session.add(user)
        return user, True
    if not user.check_password(password):
        user.set_password(password)
    return user, False


def seed(password: str = "demo1234", today: date | None = None) -> dict[str, int]:
    today = today or C.local_today()  # the tutors' today (their zone), not the machine's
    made = {"users": 0, "enrollments": 0, "sessions": 0}
    tutors = []
    for email, name in TUTORS:
        user, new = _user(email, name, "tutor", password)
        tutors.append(user)
        made["users"] += new
    made["users"] += _user(*ADMIN, "admin", password)[1]
    students = []
    for email, name, parent_email, parent_name in STUDENTS:
        student, new = _user(email, name, "student", password)
        parent, new_parent = _user(parent_email, parent_name, "parent", password)
        made["users"] += new + new_parent
        db.session.flush()
        if parent not in student.parents:
            student.parents.append(parent)
        students.append(student)
    db.session.flush()

    serial = itertools.count()
    for index, (tutor_ix, student_ix, course, band) in enumerate(ENROLLMENTS):
        tutor, student = tutors[tutor_ix], students[student_ix]
        enrollment = db.session.scalar(db.select(Enrollment).filter_by(
            tutor_id=tutor.id, student_id=student.id, course=course))
        if enrollment is None:
            enrollment = Enrollment(tutor=tutor, student=student, course=course,
                                    enrolled_on=today - timedelta(days=60))
            db.session.add(enrollment)
            db.session.flush()
            made["enrollments"] += 1
        has_sessions = db.session.scalar(
            db.select(Session.id).filter_by(course_enrollment_id=enrollment.id).limit(1))
        if has_sessions is None:
            made["sessions"] += _sessions_for(enrollment, index, BANDS[band], tutor, student, today, serial)
    db.session.flush()
    return made


def _sessions_for(enrollment: Enrollment, index: int, band: time, tutor: User, student: User, today: date,
                  serial: itertools.count) -> int:
    topics = COURSE_TOPICS[enrollment.course]
    offsets = sorted(set(DAY_OFFSETS[index % 3::3] + [index % 5 - 2]))
    for offset in offsets:  # one-time lessons, in the band's first half (at most 90 minutes)
        n = next(serial)
        day = today + timedelta(days=offset)
        minutes = (60, 90, 45, 75)[n % 4]
        mode = C.SESSION_MODES[n % 3]
        planned = [topics[n % len(topics)], topics[(n + 1) % len(topics)]]
        session = Session(
            enrollment=enrollment, session_date=day, start_time=band,
            end_time=C.end_time_for(band, minutes), duration=minutes,
            topics=planned, session_mode=mode,
            location=LOCATIONS[n % len(LOCATIONS)] if mode != "online" else None,
            priority_level=C.PRIORITY_LEVELS[n % 4], is_featured=n % 7 == 0,
            notification_enabled=n % 2 == 0, alarm_enabled=n % 3 == 0, alarm_before_minutes=(15, 30, 60)[n % 3],
            session_frequency="one-time", is_recurring=False,
        )
        _mark(session, offset, n, tutor, student, planned)
        db.session.add(session)
    db.session.flush()
    _series(enrollment, SERIES_KINDS[index % len(SERIES_KINDS)], C.end_time_for(band, 90), today, topics)
    if index % 4 == 3:  # a one-time lesson with a note of its own
        first = db.session.scalar(db.select(Session).filter_by(course_enrollment_id=enrollment.id, is_recurring=False)
                                  .order_by(Session.session_date))
        db.session.add(LessonRecord(session_id=first.id, original_date=first.session_date,
                                    note="Bring the past exam papers next time."))
    return len(offsets) + 1


def _series(enrollment: Enrollment, kind: str, start: time, today: date, topics: list[str]) -> None:
    """The enrollment's one series, in the band's second half (60 minutes)."""
    end = C.end_time_for(start, 60)
    common = dict(enrollment=enrollment, start_time=start, end_time=end, duration=60, topics=topics[:2],
                  session_mode="online", priority_level="medium", is_recurring=True, notification_enabled=True,
                  alarm_enabled=True, alarm_before_minutes=30, status="scheduled")
    if kind == "bi-weekly":
        first = today - timedelta(days=35)
        series = Session(session_date=first, session_frequency="bi-weekly",
                         recurring_pattern={"days": [C.WEEKDAYS[first.weekday()]], "months": [], "specific_dates": []},
                         **common)
        db.session.add(series)
        db.session.flush()
        plans.set_series_end(series, count=12)
        _mark_past(series, today, topics, every=1)
        return
    if kind == "monthly":
        first = (today - timedelta(days=70)).replace(day=min(today.day, 28))
        series = Session(session_date=first, session_frequency="monthly",
                         recurring_pattern={"days": [], "months": [], "specific_dates": []}, **common)
        db.session.add(series)
        db.session.flush()
        _mark_past(series, today, topics, every=1)
        return
    # A term of weekly lessons on Tuesdays and Thursdays: started four weeks ago, ends in eight.
    first = today - timedelta(days=28 + (today.weekday() - 1) % 7)  # a Tuesday
    series = Session(session_date=first, session_frequency="weekly",
                     recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []},
                     **common)
    db.session.add(series)
    db.session.flush()
    plans.set_series_end(series, until=today + timedelta(days=56))
    _mark_past(series, today, topics, every=1, skip_last=True)
    upcoming = R.dates_between(series, plans.series_of(series), today + timedelta(days=1), today + timedelta(days=56),
                               R.Budget())
    if len(upcoming) > 3:
        db.session.add(LessonRecord(session_id=series.id, original_date=upcoming[1], status="cancelled",
                                    note="The student is travelling."))
        moved_to = upcoming[3] + timedelta(days=1)
        db.session.add(LessonRecord(session_id=series.id, original_date=upcoming[3], new_date=moved_to))
        plans.refresh_last_date(series)


def _mark_past(series: Session, today: date, topics: list[str], every: int, skip_last: bool = False) -> None:
    """The series' lessons so far, marked one by one (the last one left to mark, sometimes)."""
    past = R.dates_between(series, plans.series_of(series), series.session_date, today - timedelta(days=1),
                           R.Budget())
    if skip_last:
        past = past[:-1]
    for i, day in enumerate(past[::every]):
        db.session.add(LessonRecord(
            session_id=series.id, original_date=day, status="completed", tutor_attendance_status="present",
            student_attendance_status=("present", "late", "present", "excused")[i % 4],
            topics_covered=topics[i % 2:i % 2 + 1], priority_level="high" if i == 0 else None))


def _mark(session: Session, offset: int, n: int, tutor: User, student: User, planned: list[str]) -> None:
    """Past lessons carry the whole range of outcomes; future ones are not marked yet."""
    if offset > 0 or (offset == 0 and n % 2 == 0):
        session.status = "scheduled" if n % 9 else "cancelled"
        session.tutor_attendance_status = None
        session.student_attendance_status = None
        return
    if offset == 0:
        session.status = "in-progress"
        session.tutor_attendance_status = "present"
        session.student_attendance_status = ("present", "late")[n % 2]
        session.topics_covered = planned[:1]
        return
    outcome = n % 6
    if outcome == 5:  # still to be marked
        session.status = "scheduled"
        session.tutor_attendance_status = None
        session.student_attendance_status = None
        return
    if outcome == 4:
        session.status = "cancelled"
        session.tutor_attendance_status = "present"
        session.student_attendance_status = "excused"
        return
    session.status = "completed"
    session.tutor_attendance_status = ("present", "present", "late", "present")[outcome]
    session.student_attendance_status = C.ATTENDANCE_STATUSES[outcome]
    session.topics_covered = planned if outcome != 1 else []
    session.whiteboard = Whiteboard(title=f"{planned[0]} — board", created_by=tutor.id,
                                    board_url=f"https://board.example.com/b/{n:04d}")
    session.student_review = Review.of_lesson(session, session.session_date, "student", student,
                                              rating=5 - outcome % 3,
                                              comment=("Clear explanations, thank you!", "Good lesson.",
                                                       "A bit fast, but helpful.")[outcome % 3])
    if outcome == 0:
        session.tutor_review = Review.of_lesson(session, session.session_date, "tutor", tutor, rating=4,
                                                comment="Well prepared; homework done.")
