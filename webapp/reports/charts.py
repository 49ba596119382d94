"""The reports' charts: server-rendered SVG (pygal), no script, shipped inside the page as
data: images (the page's CSP allows those; nothing loads from another host). Every chart
has its numbers in a table beside it for screen readers and for reading."""
from __future__ import annotations

import base64

import pygal
from pygal.style import Style

from .. import choices as C
from .figures import Figures

STYLE = Style(background="white", plot_background="white", foreground="#373c44", foreground_strong="#1b1b1b",
              foreground_subtle="#c9ccd1", colors=("#0172ad", "#2e7d32", "#b26a00", "#c62828", "#6a1b9a"),
              font_family="system-ui, 'Noto Sans Ethiopic', sans-serif", label_font_size=14,
              major_label_font_size=14, value_font_size=13, legend_font_size=14, title_font_size=16)


def _config(**kw) -> dict:
    return {"style": STYLE, "js": [], "disable_xml_declaration": True, "show_legend": True,
            "legend_at_bottom": True, "width": 640, "height": 320, "margin": 12, **kw}


def _data_uri(chart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.render(is_unicode=True).encode()).decode()


def hours_by_week(figures: Figures) -> str:
    chart = pygal.Bar(**_config(title="Hours taught by week", show_legend=False, x_label_rotation=0,
                                show_minor_x_labels=False))
    labels = [f"{week.day} {week:%b}" for week, _held, _minutes in figures.weeks]
    chart.x_labels = labels
    chart.x_labels_major = labels[:: max(1, len(labels) // 8)]
    chart.add("Hours", [round(minutes / 60, 1) for _week, _held, minutes in figures.weeks])
    return _data_uri(chart)


def attendance(figures: Figures) -> str:
    chart = pygal.HorizontalStackedBar(**_config(title="Attendance of marked lessons", height=240))
    chart.x_labels = ["Student", "Tutor"]
    for value in C.ATTENDANCE_STATUSES:
        chart.add(C.ATTENDANCE_LABELS[value], [figures.student_attendance[value], figures.tutor_attendance[value]])
    return _data_uri(chart)
