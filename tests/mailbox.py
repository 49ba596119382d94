"""A real SMTP server for the tests and bench/notify.py: aiosmtpd on a free local port,
keeping every message it accepts; it can answer the first N deliveries with a temporary
failure (451), as a busy server does."""
from __future__ import annotations

import email
import socket
import threading
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    def __init__(self, fail_first: int = 0, failure: str = "451 4.3.0 Try again later"):
        self.messages: list[EmailMessage] = []
        self.fail_first, self.failure = fail_first, failure
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                return self.failure
            self.messages.append(email.message_from_bytes(envelope.original_content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def keys(self) -> list[str]:
        return [m["X-Notification-Key"] for m in self.messages]

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def header(message: EmailMessage, name: str) -> str:
    """A header's value as a mail app shows it (a folded one starts with no space)."""
    return str(message[name]).strip()


def subject(message: EmailMessage) -> str:
    return header(message, "Subject")


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def attachment(message: EmailMessage, name: str = "lesson.ics") -> str | None:
    for part in message.iter_attachments():
        if part.get_filename() == name:
            content = part.get_content()
            return content.decode() if isinstance(content, bytes) else content
    return None
