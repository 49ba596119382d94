"""`flask --app webapp ...` commands: seed-demo, create-token, calendar-url, send-notifications,
export-lessons."""
from __future__ import annotations

import click
from flask import Flask

from .extensions import db
from .models import ApiToken, User


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_token)
    app.cli.add_command(calendar_url)
    app.cli.add_command(send_notifications)
    app.cli.add_command(export_lessons)


def user_by_email(email: str) -> User:
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    return user


@click.command("seed-demo")
@click.option("--password", default="demo1234", show_default=True, help="Password of the demo users.")
def seed_demo(password: str) -> None:
    """Create the demo tutors, students, parents and sessions (safe to run again)."""
    from .demo import seed

    summary = seed(password)
    db.session.commit()
    click.echo("Demo data ready: " + ", ".join(f"{n} {what}" for what, n in summary.items()))
    click.echo(f"Log in as tutor1@example.com, tutor2@example.com or tutor3@example.com "
               f"with the password {password!r}.")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="A name to recognise it by.")
def create_token(email: str, name: str) -> None:
    """Print a new personal API token for EMAIL (only its hash is stored)."""
    token, plain = ApiToken.issue(user_by_email(email), name)
    db.session.add(token)
    db.session.commit()
    click.echo(plain)


@click.command("calendar-url")
@click.argument("email")
def calendar_url(email: str) -> None:
    """Print the path of EMAIL's secret iCal feed."""
    from flask import current_app

    user = user_by_email(email)
    feed = current_app.extensions.get("calendar_feed_path")
    if feed is None:
        raise click.ClickException("The calendar feed is not part of this version yet.")
    click.echo(feed(user))


@click.command("send-notifications")
@click.option("--once", is_flag=True, help="Deliver what is due now and exit.")
def send_notifications(once: bool) -> None:
    """Deliver due reminders and notices by e-mail (MAIL_SERVER; unset: keep them in the outbox)."""
    import logging

    from flask import current_app

    from .notifications.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    worker = Worker()
    if not current_app.config["MAIL_SERVER"]:
        click.echo("MAIL_SERVER is not set: messages are kept in the outbox (see /outbox), not sent.")
    if once:
        click.echo(f"Notifications: {worker.run_once()}.")
    else:
        worker.run_forever(current_app.config["NOTIFY_POLL_SECONDS"])


@click.command("export-lessons")
@click.argument("email")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8", lazy=True), default="-",
              help="The CSV file (default: standard output).")
@click.option("--filter", "-f", "pairs", multiple=True, metavar="NAME=VALUE",
              help="A filter of the list, as in its URL: tab=past, date_from=2026-01-01, status=completed …")
def export_lessons(email: str, output, pairs: tuple[str, ...]) -> None:
    """Write EMAIL's lessons as CSV, one line per lesson, as /lessons.csv does."""
    from flask import current_app
    from flask_login import login_user
    from werkzeug.datastructures import MultiDict

    from .lessons.errors import TooManyLessons
    from .reports import export
    from .reports.views import filtered_lessons

    user = user_by_email(email)
    wrong = [p for p in pairs if "=" not in p]
    if wrong:
        raise click.BadParameter(f"{wrong[0]!r}: give NAME=VALUE.", param_hint="--filter")
    args = MultiDict(p.split("=", 1) for p in pairs)
    with current_app.test_request_context("/lessons.csv", query_string=args):
        login_user(user)
        try:
            lessons, form = filtered_lessons(user, args)
        except TooManyLessons as exc:
            raise click.ClickException(str(exc)) from exc
        problems = [f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()]  # lazy ones too
        if problems:
            raise click.ClickException("; ".join(problems))
        for chunk in export.chunks(lessons, not user.has_workspace):
            output.write(chunk)
