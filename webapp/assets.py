"""Static files light on the wire: fingerprinted URLs, a year's cache, compressed once.

Every `url_for('static', filename=...)` carries `v=<the first 12 hex of the file's sha256>`,
so the URL changes with the file. The static view answers a URL whose `v` is the file's current
one with `Cache-Control: public, max-age=31536000, immutable` (the browser asks again only for
a new version) and any other URL (no `v`, an older one) with `no-cache`: a stale link never
pins an old file. Text files are compressed once per version, brotli at its best quality and
gzip, where Flask-Compress would compress them again on every request at a page's level.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

import brotli
from flask import Flask, Response, abort, current_app, redirect, request, session, url_for
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
ENCODINGS = ("br", "gzip")  # the order of preference when a client takes both


@dataclass
class Asset:
    path: str
    mtime_ns: int
    data: bytes
    version: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    def body(self, encoding: str | None) -> bytes:
        if encoding is None:
            return self.data
        if encoding not in self.encoded:
            self.encoded[encoding] = (brotli.compress(self.data, quality=11) if encoding == "br"
                                      else gzip.compress(self.data, 9, mtime=0))
        return self.encoded[encoding]


_assets: dict[str, Asset] = {}  # by absolute path: the files of this process, read once


def asset(folder: str, filename: str, recheck: bool = False) -> Asset | None:
    """The file `filename` under `folder`, read and hashed once per process (again when its
    mtime changes, if `recheck`); None when there is no such file."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    known = _assets.get(path)
    if known is not None and not recheck:
        return known
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    if known is not None and known.mtime_ns == stat.st_mtime_ns:
        return known
    data = Path(path).read_bytes()
    found = _assets[path] = Asset(path, stat.st_mtime_ns, data, hashlib.sha256(data).hexdigest()[:12])
    return found


def version(filename: str) -> str | None:
    """The fingerprint of a static file (what `v` must be), None for a missing file."""
    found = _static(filename)
    return found.version if found else None


def _static(filename: str) -> Asset | None:
    app = current_app
    return asset(app.static_folder, filename, recheck=app.debug or app.testing)


def add_version(endpoint: str, values: dict) -> None:
    """url_defaults: `v` on every static URL whose file exists."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        found = _static(values["filename"])
        if found is not None:
            values["v"] = found.version


def _encoding(found: Asset, mimetype: str) -> str | None:
    """Flask-Compress's rule for the pages, applied to a file: its types, its minimum size."""
    config = current_app.config
    if mimetype not in config["COMPRESS_MIMETYPES"] or len(found.data) < config["COMPRESS_MIN_SIZE"]:
        return None
    return request.accept_encodings.best_match(ENCODINGS)


def static_file(filename: str) -> Response:
    """A file of static/: immutable for a year at its current version's URL, else `no-cache`."""
    found = _static(filename)
    if found is None:
        abort(404)
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    encoding = _encoding(found, mimetype)
    response = Response(found.body(encoding), mimetype=mimetype)
    response.vary.add("Accept-Encoding")
    # An ETag per version and encoding (a cache never answers a gzip client with brotli); no
    # Last-Modified: it would say less than the ETag, and every file's answer carries it.
    response.set_etag(found.version + (f"-{encoding}" if encoding else ""))
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == found.version else REVALIDATE
    response.make_conditional(request)
    if encoding and response.status_code == 200:
        response.headers["Content-Encoding"] = encoding
    return response


def favicon() -> Response:
    """/favicon.ico, asked for by browsers that did not read the page's <link rel=icon>."""
    response = redirect(url_for("static", filename="favicon.svg"), 302)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def no_cookie_vary(response: Response) -> Response:
    """Flask-Login's after_request reads the session on every answer, so Flask would add
    `Vary: Cookie` to the files too: Chromium then revalidates every cached file once the
    session cookie changes (a login, a flash). A file does not depend on the cookie."""
    if request.endpoint == "static":
        session._get_current_object().accessed = False
    return response


def init_app(app: Flask) -> None:
    """Before Flask-Login's init_app: after_request functions run last registered first, and
    `no_cookie_vary` must come after Flask-Login's."""
    app.url_defaults(add_version)
    app.after_request(no_cookie_vary)
    app.view_functions["static"] = static_file  # the route stays Flask's /static/<path:filename>
    app.add_url_rule("/favicon.ico", "favicon", favicon)
