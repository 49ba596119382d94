"""A small asyncio HTTP/1.1 client: keep-alive connections, cookies, CSRF, Bearer tokens.

Written for the load driver (bench.http) and the soak and race checks (bench.soak). It is
deliberately minimal (no pooling, no redirects, no compression): on a 2-core machine every
microsecond the client spends is a microsecond the server under test does not get, and a
request here costs a few tens of microseconds of client CPU, far less than aiohttp or httpx.
"""
from __future__ import annotations

import asyncio
import html
import json as jsonlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
VERSION_RE = re.compile(rb'name="version"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="version"')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.body)

    @property
    def query_count(self) -> int | None:
        value = self.headers.get("x-query-count")
        return int(value) if value is not None else None


def etag_of(response: Response) -> str | None:
    """A lesson answer's version: its ETag, unquoted."""
    tag = response.headers.get("etag")
    return tag.strip('"') if tag else None


def version_in(body: bytes) -> str | None:
    """The `version` hidden input of a row fragment (the session's updated_at)."""
    match = VERSION_RE.search(body)
    if not match:
        return None
    return html.unescape((match.group(1) or match.group(2)).decode())


class ConnectionLost(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float = 60):
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        # A keep-alive connection the server closed while idle fails before any byte of
        # the answer: the request never reached the app, so sending it again is safe.
        for attempt in (1, 2):
            fresh = self.writer is None
            await self.connect()
            try:
                self.writer.write(raw)
                return await asyncio.wait_for(self._read(), self.timeout)
            except (ConnectionLost, ConnectionResetError, BrokenPipeError):
                await self.close()
                if fresh or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _read(self) -> Response:
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise ConnectionLost() from exc
            raise
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        version, status = status_line.split(" ", 2)[:2]
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            headers[name] = value
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunks.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(c[:-2] for c in chunks)
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close" or version == "HTTP/1.0":
            await self.close()
        return Response(int(status), headers, body, cookies)


class Client:
    """A user agent on one connection: a cookie jar and the page's CSRF token, or a token."""

    def __init__(self, host: str, port: int, bearer: str | None = None, timeout: float = 60):
        self.connection = Connection(host, port, timeout)
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None
        self.bearer = bearer

    async def close(self) -> None:
        await self.connection.close()

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        headers.update(extra or {})
        return headers

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> Response:
        response = await self.connection.request(method, path, self._headers(headers), body)
        for cookie in response.cookies:
            pair = cookie.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if value and "max-age=0" not in cookie.lower():
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        return response

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers)

    async def post_form(self, path: str, fields: dict[str, str], htmx: bool = True) -> Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.csrf or ""}
        if htmx:
            headers["HX-Request"] = "true"
        return await self.request("POST", path, headers, urlencode(fields).encode())

    async def send_json(self, method: str, path: str, document, headers: dict[str, str] | None = None) -> Response:
        return await self.request(method, path, {"Content-Type": "application/json", **(headers or {})},
                                  jsonlib.dumps(document).encode())

    async def login(self, email: str, password: str) -> None:
        """Log in through the form, then keep the CSRF token the pages send to htmx."""
        page = await self.get("/login")
        token = csrf_in(page.text)
        answer = await self.request(
            "POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"},
            urlencode({"email": email, "password": password, "csrf_token": token}).encode())
        if answer.status not in (302, 303):
            raise RuntimeError(f"login as {email} failed: {answer.status}")
        after = await self.get("/sessions")
        self.csrf = csrf_in(after.text) if after.status == 200 else token


def csrf_in(page: str) -> str:
    match = CSRF_RE.search(page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1) or match.group(2)
