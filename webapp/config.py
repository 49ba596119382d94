"""Configuration from the environment, with the instance folder as the embedded default."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "tutor_sessions.sqlite")
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Plain `postgres://` and `postgresql://` URLs go through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def listed(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def deployment(env=os.environ) -> dict:
    """How the app is reached: trusted Host names, the public base URL, HTTPS and proxies.

    Served over HTTPS (`PREFERRED_URL_SCHEME=https`, or a `BASE_URL` starting with https) the
    cookies are `Secure` and answers carry HSTS. Behind a reverse proxy, `PROXY_FIX=N` trusts
    the X-Forwarded-For/-Proto/-Host/-Prefix headers set by the N proxies in front."""
    base_url = (env.get("BASE_URL") or "").rstrip("/")
    scheme = env.get("PREFERRED_URL_SCHEME") or ("https" if base_url.startswith("https://") else "http")
    secure = scheme == "https"
    return {
        "TRUSTED_HOSTS": listed(env.get("TRUSTED_HOSTS")) or list(LOCAL_HOSTS),
        "BASE_URL": base_url,
        "PREFERRED_URL_SCHEME": scheme,
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "HSTS": secure,
        "PROXY_FIX": int(env.get("PROXY_FIX") or 0),
    }


def defaults(instance_path: str) -> dict:
    return {
        **deployment(),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # No X-RateLimit-* headers on every answer: a refused request gets its Retry-After.
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "30 per minute; 300 per hour"),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # a tutor may keep a form open through a lesson
        "SESSIONS_PER_PAGE": 50,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # no form here is near it: more is refused (413)
        "BENCHMARK_BASELINE": os.environ.get("BENCHMARK_BASELINE") == "1",
        **mail(),
        **compression(),
    }


def compression() -> dict:
    """Flask-Compress: brotli for the clients that take it (every current browser), gzip for
    the others, nothing for those that ask for neither; `Vary: Accept-Encoding` on every answer.
    Answers under COMPRESS_MIN_SIZE (500 bytes) and 304s go as they are. The static files are
    compressed once per version by webapp/assets.py, under the same types and minimum size."""
    return {
        "COMPRESS_ALGORITHM": ["br", "gzip"],  # no zstd or deflate: one cached copy fewer each
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],  # the CSV export
        "COMPRESS_BR_LEVEL": 5,  # a 50-row page: 10 % smaller than at 4, still about 1 ms
        "COMPRESS_LEVEL": 6,
        "COMPRESS_MIMETYPES": [
            "text/html", "text/css", "text/javascript", "application/javascript", "text/plain",
            "application/json", "application/problem+json", "application/manifest+json",
            "image/svg+xml", "text/calendar", "text/csv",
        ],
    }


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def mail(env=os.environ) -> dict:
    """SMTP for `flask send-notifications` (Flask-Mailman). No MAIL_SERVER (the embedded
    default): nothing is sent, messages stay in the outbox and its page shows them."""
    return {
        "MAIL_BACKEND": "smtp",  # Flask-Mailman would keep mail in memory under TESTING
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or "Tutor sessions <no-reply@localhost>",
        "MAIL_TIMEOUT": 5,  # seconds: a stalled server cannot hold a worker past its SIGTERM
        "LOCAL_BASE_URL": "http://localhost:5000",  # links in messages when BASE_URL is unset
        "NOTIFY_POLL_SECONDS": 15,
        "NOTIFY_BATCH": 20,  # rows one claim takes: several workers share a burst
        "NOTIFY_LEASE_SECONDS": 300,  # a claim lapses then, should its worker die
        "NOTIFY_MAX_ATTEMPTS": 8,  # for permanent (5xx) refusals; temporary ones are retried on
    }
