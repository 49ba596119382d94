"""`flask send-notifications`: plan what is due (reminders, digests), then deliver the
outbox over SMTP, once (`--once`) or polling until SIGTERM.

Delivery: each worker claims a small batch (`outbox.claim`), sends it over one SMTP
connection with Flask-Mailman, and marks each message sent as soon as the server took it.
A temporary failure (4xx, a dropped connection) is one log line and a retry with backoff
(the first within 2 minutes); a permanent one (5xx) is retried a few times, then kept as
failed. On SIGTERM the worker finishes the message in hand, gives back the rest of its batch
and exits. Any number of workers may run at once: a row is claimed by one of them only.
"""
from __future__ import annotations

import logging
import os
import signal
import smtplib
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_mailman import EmailMultiAlternatives

from ..extensions import db, mail
from ..models import utcnow
from . import outbox, reminders
from .messages import links, message_id, unsubscribe_url

log = logging.getLogger(__name__)


@dataclass
class Tally:
    planned: int = 0
    sent: int = 0
    kept: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (f"planned {self.planned}, sent {self.sent}, kept in the outbox {self.kept}, "
                f"to retry {self.retried}, failed {self.failed}")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _message(row: Any, connection: Any) -> EmailMultiAlternatives:
    headers = {"Message-ID": message_id(row.key), "X-Notification-Key": row.key}
    if row.recipient_id is not None:  # RFC 8058: mail apps offer a one-click unsubscribe
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(row.recipient_id, row.kind)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(row.subject, row.body_text, to=[row.to_address], headers=headers,
                                     connection=connection)
    message.attach_alternative(row.body_html, "text/html")
    if row.ics:
        message.attach("lesson.ics", row.ics, "text/calendar")
    return message


def _failure(exc: BaseException) -> tuple[int | None, str]:
    """(SMTP code or None, one line) of a failed delivery."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return code, f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return exc.smtp_code, f"{exc.smtp_code} {text}"
    return None, f"{type(exc).__name__}: {exc}"


class Worker:
    def __init__(self, name: str | None = None, stop: threading.Event | None = None):
        self.name = name or worker_name()
        self.stop = stop or threading.Event()
        config = current_app.config
        self.batch = config["NOTIFY_BATCH"]
        self.lease = timedelta(seconds=config["NOTIFY_LEASE_SECONDS"])
        self.max_attempts = config["NOTIFY_MAX_ATTEMPTS"]
        self.smtp = bool(config["MAIL_SERVER"])
        self.now = utcnow()  # the time of the pass under way (run_once sets it)

    def run_once(self, now: datetime | None = None) -> Tally:
        """Plan what is due at `now` (naive UTC; default: now), then deliver every due row."""
        tally = Tally()
        self.now = now or utcnow()
        tally.planned = reminders.plan(self.now)
        while not self.stop.is_set():
            rows = outbox.claim(self.name, self.batch, self.lease, self.now)
            if not rows:
                break
            if self.smtp:
                self._send(rows, tally)
            else:
                tally.kept += outbox.kept([row.id for row in rows], self.name)
        outbox.release(self.name)
        return tally

    def run_forever(self, poll: float) -> None:
        """Poll until SIGTERM or SIGINT; what is claimed and not sent goes back."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop.set())
        log.info("notification worker %s: polling every %s s", self.name, poll)
        while not self.stop.is_set():
            try:
                tally = self.run_once()
            except Exception:  # a database restart, say: log it, keep the worker alive
                log.exception("notification worker %s: pass failed; trying again", self.name)
                db.session.remove()
            else:
                if tally.sent or tally.kept or tally.retried or tally.failed:
                    log.info("notification worker %s: %s", self.name, tally)
            db.session.remove()
            self.stop.wait(poll)
        outbox.release(self.name)
        log.info("notification worker %s: stopped", self.name)

    def _send(self, rows: list[Any], tally: Tally) -> None:
        with links():
            self._send_all(rows, tally)

    def _send_all(self, rows: list[Any], tally: Tally) -> None:
        connection = None
        try:
            for row in rows:
                if self.stop.is_set():
                    break
                try:
                    if connection is None:
                        connection = mail.get_connection()
                        connection.open()
                    _message(row, connection).send()
                except (smtplib.SMTPException, OSError) as exc:
                    code, line = _failure(exc)
                    if code is None or isinstance(exc, smtplib.SMTPServerDisconnected):
                        connection = _closed(connection)
                    self._failed(row, code, line, tally)
                else:
                    tally.sent += outbox.delivered([row.id], self.name)
        finally:
            _closed(connection)

    def _failed(self, row: Any, code: int | None, line: str, tally: Tally) -> None:
        permanent = code is not None and 500 <= code < 600
        if permanent and row.attempts >= self.max_attempts:
            outbox.give_up(row, self.name, line)
            tally.failed += 1
            log.warning("notification %s to %s failed for good after %s attempts: %s",
                        row.id, row.to_address, row.attempts, line)
        else:
            outbox.retry_later(row, self.name, line, self.now)
            tally.retried += 1
            log.warning("notification %s to %s not delivered (%s); retry in %s",
                        row.id, row.to_address, line, outbox.backoff(row.attempts))


def _closed(connection: Any) -> None:
    if connection is not None:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            pass
    return None
