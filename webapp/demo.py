"""Demo data for an Ethiopian tutoring platform: believable, deterministic, idempotent.

Users are found by email and enrollments by (tutor, student, course), so a second run
adds nothing; an enrollment gets its sessions only while it has none.
"""
from __future__ import annotations

import itertools
from datetime import date, time, timedelta

from . import choices as C
from .extensions import db
from .models import Enrollment, Review, Session, User, Whiteboard
from .recurrence import local_today

TUTORS = [
    ("tutor1@example.com", "Abebe Kebede"),
    ("tutor2@example.com", "Meron Tadesse"),
    ("tutor3@example.com", "Dawit Haile"),
]
# student email, name, parent email, parent name
STUDENTS = [
    ("selam.girma@example.com", "Selam Girma", "girma.wolde@example.com", "Girma Wolde"),
    ("yonas.bekele@example.com", "Yonas Bekele", "almaz.bekele@example.com", "Almaz Bekele"),
    ("hanna.alemu@example.com", "Hanna Alemu", "tigist.alemu@example.com", "Tigist Alemu"),
    ("biniam.tesfaye@example.com", "Biniam Tesfaye", "tesfaye.mulu@example.com", "Tesfaye Mulu"),
    ("liya.mengistu@example.com", "Liya Mengistu", "mengistu.ayele@example.com", "Mengistu Ayele"),
    ("kaleb.assefa@example.com", "Kaleb Assefa", "hirut.assefa@example.com", "Hirut Assefa"),
    ("ruth.wolde@example.com", "Ruth Wolde", "girma.wolde@example.com", "Girma Wolde"),
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
# tutor index -> (student index, course)
ENROLLMENTS = [
    (0, 0, "Mathematics (Grade 10)"), (0, 1, "Mathematics (Grade 10)"), (0, 2, "Physics (Grade 11)"),
    (0, 3, "Mathematics (Grade 10)"),
    (1, 4, "Chemistry (Grade 11)"), (1, 5, "English"), (1, 0, "English"),
    (2, 6, "Amharic"), (2, 7, "Physics (Grade 11)"), (2, 8, "Amharic"),
]
LOCATIONS = ["Bole library, study room 2", "Student's home, Kazanchis", "Sarbet learning centre"]
STARTS = [time(8, 30), time(10, 0), time(14, 0), time(16, 30), time(18, 0)]
DAY_OFFSETS = [-21, -14, -9, -6, -3, -1, 0, 0, 1, 2, 5, 9, 14]


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
    today = today or local_today()  # the tutors' today (their zone), not the machine's
    made = {"users": 0, "enrollments": 0, "sessions": 0}
    tutors = []
    for email, name in TUTORS:
        user, new = _user(email, name, "tutor", password)
        tutors.append(user)
        made["users"] += new
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
    for tutor_ix, student_ix, course in ENROLLMENTS:
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
            made["sessions"] += _sessions_for(enrollment, tutor, student, today, serial)
    db.session.flush()
    return made


def _sessions_for(enrollment: Enrollment, tutor: User, student: User, today: date,
                  serial: itertools.count) -> int:
    topics = COURSE_TOPICS[enrollment.course]
    count = 0
    offsets = DAY_OFFSETS[enrollment.id % 3::3] + [enrollment.id % 5 - 2]
    for offset in offsets:
        n = next(serial)
        day = today + timedelta(days=offset)
        start = STARTS[n % len(STARTS)]
        minutes = (60, 90, 45, 120)[n % 4]
        mode = C.SESSION_MODES[n % 3]
        planned = [topics[n % len(topics)], topics[(n + 1) % len(topics)]]
        session = Session(
            enrollment=enrollment, session_date=day, start_time=start,
            end_time=C.end_time_for(start, minutes), duration=minutes,
            topics=planned, session_mode=mode,
            location=LOCATIONS[n % len(LOCATIONS)] if mode != "online" else None,
            priority_level=C.PRIORITY_LEVELS[n % 4],
            is_featured=n % 7 == 0,
            notification_enabled=n % 2 == 0,
            alarm_enabled=n % 3 == 0,
            alarm_before_minutes=(15, 30, 60)[n % 3],
        )
        if n % 6 == 1:  # some series
            session.session_frequency = C.SESSION_FREQUENCIES[1 + (n // 6) % 3]
            session.is_recurring = True
            if session.session_frequency == "monthly":
                session.recurring_pattern = {"days": [], "months": list(C.MONTHS[8:12]),
                                             "specific_dates": []}
            else:
                session.recurring_pattern = {"days": [C.WEEKDAYS[day.weekday()],
                                                      C.WEEKDAYS[(day.weekday() + 2) % 7]],
                                             "months": [], "specific_dates": []}
        else:
            session.session_frequency, session.is_recurring = "one-time", False
        _mark(session, offset, n, tutor, student, planned)
        db.session.add(session)
        count += 1
    if enrollment.id % 3 == 1:
        _term(enrollment, today, topics)
        count += 1
    return count


def _term(enrollment: Enrollment, today: date, topics: list[str]) -> None:
    """A term of weekly lessons on Tuesdays and Thursdays: started four weeks ago, ends in
    eight; the lessons so far marked one by one, one cancelled, one moved."""
    from .calendar import services as S
    from .recurrence import series_dates

    first = today - timedelta(days=28 + (today.weekday() - 1) % 7)  # a Tuesday
    series = Session(enrollment=enrollment, session_date=first, start_time=time(16, 0), end_time=time(17, 0),
                     duration=60, topics=topics[:2], session_mode="online", priority_level="medium",
                     session_frequency="weekly", is_recurring=True, notification_enabled=True,
                     alarm_enabled=True, alarm_before_minutes=30,
                     recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []},
                     tutor_attendance_status="present", student_attendance_status="present",
                     status="completed", topics_covered=topics[:1])
    db.session.add(series)
    db.session.flush()
    S.set_series_end(series, until=today + timedelta(days=56))
    lessons = series_dates(series, S.series_of(series))
    past = [d for d in lessons if first < d < today]
    for i, day in enumerate(past):
        S.edit_occurrence(series, day, status="completed", tutor_attendance_status="present",
                          student_attendance_status=("present", "late", "present", "excused")[i % 4],
                          topics_covered=topics[i % 2:i % 2 + 1])
    upcoming = [d for d in lessons if d > today]
    if len(upcoming) > 3:
        S.cancel_occurrence(series, upcoming[1])
        S.move_occurrence(series, upcoming[3], upcoming[3] + timedelta(days=1), time(10, 0), time(11, 0))


def _mark(session: Session, offset: int, n: int, tutor: User, student: User, planned: list[str]) -> None:
    """Past sessions carry the whole range of outcomes; future ones are not marked yet."""
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
    session.student_review = Review(reviewer=student, rating=5 - outcome % 3,
                                    comment=("Clear explanations, thank you!", "Good lesson.",
                                             "A bit fast, but helpful.")[outcome % 3])
    if outcome == 0:
        session.tutor_review = Review(reviewer=tutor, rating=4,
                                      comment="Well prepared; homework done.")
