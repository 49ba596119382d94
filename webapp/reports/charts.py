"""The reports' charts: server-rendered SVG (pygal), no script, shipped inside the page as
data: images (the page's CSP allows those; nothing loads from another host). Every chart
has its numbers in a table beside it for screen readers and for reading."""
from __future__ import annotations

import base64
import sys

import pygal
from pygal.style import Style

# pygal puts an import hook for its old `pygal.maps.*` plugins on sys.meta_path, one without
# `find_spec`: from then on every import warns (ImportWarning). No chart here uses a map.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

from .. import choices as C
from ..formatting import format_day, month_names
from ..i18n import reading
from ..translate import gettext as _
from .figures import Figures

STYLE = Style(background="white", plot_background="white", foreground="#373c44", foreground_strong="#1b1b1b",
              foreground_subtle="#c9ccd1", colors=("#0172ad", "#2e7d32", "#b26a00", "#c62828", "#6a1b9a"),
              font_family="system-ui, 'Noto Sans Ethiopic', sans-serif", label_font_size=20,
              major_label_font_size=20, value_font_size=18, legend_font_size=20, title_font_size=22)


def _config(**kw) -> dict:
    return {"style": STYLE, "js": [], "disable_xml_declaration": True, "show_legend": True,
            "legend_at_bottom": True, "width": 560, "height": 360, "margin": 12, **kw}


def _data_uri(chart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.render(is_unicode=True).encode()).decode()


def hours_taught(figures: Figures) -> str:
    """Hours by week, or by month over half a year."""
    title = _("Hours taught by month") if figures.by_month else _("Hours taught by week")
    chart = pygal.Bar(**_config(title=title, show_legend=False, show_minor_x_labels=False))
    r = reading()
    months = month_names(r.language, "gregorian")  # the buckets are Gregorian months
    labels = [f"{months[day.month - 1]} {day.year}" if figures.by_month else format_day(day, r, year=False, weekday=None)
              for day, _held, _m in figures.buckets]
    chart.x_labels = labels
    chart.x_labels_major = labels[:: max(1, len(labels) // 8)]
    chart.add(_("Hours"), [round(minutes / 60, 1) for _day, _held, minutes in figures.buckets])
    return _data_uri(chart)


def attendance(figures: Figures) -> str:
    chart = pygal.HorizontalStackedBar(**_config(title=_("Attendance of marked lessons"), height=280))
    chart.x_labels = [_("Student"), _("Tutor")]
    for value in C.ATTENDANCE_STATUSES:
        chart.add(str(C.ATTENDANCE_LABELS[value]), [figures.student_attendance[value], figures.tutor_attendance[value]])
    return _data_uri(chart)
