"""The Amharic catalogue is whole: every text a template shows is marked for translation,
every message of the code has an Amharic translation, and the catalogue is well formed."""
from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
PO = ROOT / "webapp" / "translations" / "am" / "LC_MESSAGES" / "messages.po"
# Benchmark-only pages (webapp/baseline.py): never shown to users.
NOT_SHOWN = {"baseline/fortunes.html", "baseline/rows.html", "baseline/_row.html"}
HOLE = "\ue000"  # where a template's {{ … }} / {% … %} stood (a private-use character:
#                  valid inside a tag's name and attributes, and no letter)
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "label")
LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# Not words to translate: abbreviations (UTC, CSV, iCal) and file names (lesson.ics).
NOT_WORDS = re.compile(r"^(?:[A-Z]{2,5}|iCal|[\w-]+\.(?:ics|csv|svg|png|txt))$")


def templates() -> list[str]:
    return sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*")
                  if p.suffix in (".html", ".txt") and str(p.relative_to(TEMPLATES)) not in NOT_SHOWN)


def template_text(name: str) -> str:
    """The template's literal text, every Jinja tag, variable and comment replaced by a hole."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    source = (TEMPLATES / name).read_text()
    out = []
    for _line, kind, value in env.lex(source):
        out.append(value if kind == "data" else HOLE if kind in ("variable_begin", "block_begin") else "")
    return "".join(out)


class Texts(HTMLParser):
    """Text nodes and user-facing attribute values, outside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        named = dict(attrs)
        for name, value in attrs:
            if value and (name in ATTRIBUTES
                          or (name == "value" and tag == "input" and named.get("type") in ("submit", "button", "reset"))
                          or (name == "content" and tag == "meta" and named.get("name") == "description")):
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.found.append(data)


def unmarked(name: str) -> list[str]:
    text = template_text(name)
    if name.endswith(".txt"):
        pieces = text.split(HOLE)
    else:
        parser = Texts()
        parser.feed(text)
        pieces = [p for found in parser.found for p in found.split(HOLE)]
    words = [p.strip() for p in pieces if LETTER.search(p)]
    return [w for w in words if not all(NOT_WORDS.match(part) for part in re.findall(r"[\w.-]+", w) if LETTER.search(part))]


@pytest.mark.parametrize("name", templates())
def test_every_template_text_is_marked_for_translation(name):
    assert unmarked(name) == [], f"{name}: wrap these in {{{{ _(\"…\") }}}}"


def test_the_check_finds_unmarked_text():
    parser = Texts()
    parser.feed(template_text("base.html").replace(HOLE, "") + '<p>Plain text</p><a title="A title">x</a>')
    assert "Plain text" in [p.strip() for p in parser.found]
    assert "A title" in parser.found


def catalogue():
    with PO.open("rb") as source:
        return read_po(source, locale="am")


def extracted() -> dict[str, tuple[str, ...]]:
    """Every message the code and templates mark (as `make translations` extracts them)."""
    method_map = [("webapp/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
                                             "lazy_gettext": None, "lazy_ngettext": (1, 2)},
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found[msgid] = (filename,)
    return found


def test_every_message_has_an_amharic_translation():
    known = catalogue()
    missing = [msgid for msgid in extracted() if not known.get(msgid) or not all(
        (known.get(msgid).string if isinstance(known.get(msgid).string, tuple) else (known.get(msgid).string,)))]
    assert missing == [], f"{len(missing)} messages have no Amharic translation (make translations, then translate)"


def test_the_catalogue_is_well_formed():
    known = catalogue()
    assert known.plural_forms == "nplurals=2; plural=(n > 1);"
    placeholders = re.compile(r"%\((\w+)\)[sd]")
    script_placeholders = re.compile(r"\{\w+\}")  # app.js fills {count}, {status}, {time}
    for message in known:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            # the same placeholders (a plural's may leave %(num)d out of the singular)
            assert set(placeholders.findall(string)) <= set(placeholders.findall(" ".join(ids))), message.id
            bare = script_placeholders.sub("", placeholders.sub("", re.sub(r"<[^>]+>", "", string)))
            assert set(re.findall(r"[A-Za-z]{4,}", bare)) <= ENGLISH_KEPT, \
                f"not Amharic: {message.id!r} → {string!r}"


# Latin words an Amharic text keeps on purpose: products, formats, and what is typed or read
# as code (header names, field names, commands, file names).
ENGLISH_KEPT = {"Apple", "Google", "Calendar", "Outlook", "HTML", "JSON", "Authorization", "Bearer", "token",
                "MAIL", "SERVER", "YYYY", "days", "months", "specific", "dates", "flask", "send",
                "notifications", "webapp", "lesson"}


def test_python_flashes_and_form_labels_are_marked():
    """A flash() or a form field made with a bare string literal is a text no one translated."""
    fields = {"StringField", "SelectField", "BooleanField", "PasswordField", "TextAreaField", "IntegerField",
              "DateField", "CalendarDateField", "TimeField", "RadioField", "SearchField", "EmailField",
              "MultiCheckboxField", "SelectMultipleField", "SubmitField", "DecimalField", "FileField"}
    found = []
    for path in (ROOT / "webapp").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0]
            if name in fields | {"flash"} and isinstance(first, (ast.Constant, ast.JoinedStr)) \
                    and (not isinstance(first, ast.Constant) or isinstance(first.value, str)) \
                    and (not isinstance(first, ast.Constant) or LETTER.search(first.value)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert found == []
