"""The lobby poster that comes with each invite: one A4 portrait page to print.

From the top: the building's name, large; the invite's QR code, large, in the middle; under it
a fallback for people who cannot scan (the command to send the bot, in the language of the
person who made the invite); then "Scan to join your neighbours" in each of the six languages,
each line in its own language whatever the reader's (Arabic right to left and joined, Chinese
in the CJK font).

Drawn with ``matplotlib.figure.Figure`` and the fonts, shaping and checks of
:mod:`bot.views.charts` (a letter of the building's name that no installed font has raises
:class:`~bot.views.charts.ChartUnavailable`: no poster of boxes; a language whose font is
missing is left off the poster). The QR code is drawn as vector squares from the same matrix as
``services.invites.qr_png``, so it stays sharp at any print size. :func:`poster` gives the PDF
(what people print; fonts embedded by matplotlib's PDF backend) or a PNG of the same page.
Handlers call it in a worker thread.
"""

from __future__ import annotations

import io
import re
import unicodedata

from bot import i18n
from bot.i18n import N_, _
from bot.views import charts

WIDTH_IN, HEIGHT_IN = 210 / 25.4, 297 / 25.4  # A4 portrait
PNG_DPI = 150
MARGIN_IN = 0.7
QR_IN = 4.6  # the QR code's side, its white border included
NAME_PT, BRAND_PT, FALLBACK_PT, CODE_PT, SCAN_PT = 40, 15, 13, 17, 19
INK, MUTED = charts.INK, charts.MUTED
ACCENT = charts.ACCENT

SCAN = N_("Scan to join your neighbours on Common Ground")
FALLBACK = N_("Can't scan? Open Telegram, search for @{bot} and send:")
CAPTION = N_("A poster of this invite to print (A4) for the lobby.")
LRM = "\u200e"


def scan_lines() -> list[tuple[str, str]]:
    """(locale, the invitation to scan in that locale's own words) for every language."""
    lines = []
    for locale in i18n.LOCALES:
        with i18n.use_locale(locale):
            lines.append((locale, _(SCAN)))
    return lines


def _ready(line: str) -> str:
    """One line as matplotlib draws it (:func:`charts.shape`, symbols no font has left out;
    raises ``ChartUnavailable`` for a letter). matplotlib 3.11 lays text out with FriBiDi,
    which honours the LEFT-TO-RIGHT MARK the Arabic catalog puts before "@bot": then the
    line keeps its marks (charts drop them), so the mention is not drawn as "bot@"."""
    cleaned = charts._clean(charts.shape(line))
    if charts.NATIVE_LAYOUT and LRM in line and cleaned == " ".join(charts.shape(line).split()):
        return " ".join(line.split())
    return cleaned


def caption() -> str:
    """The words under the poster's document in the chat, in the reader's language."""
    return _(CAPTION)


def filename(building_name: str) -> str:
    """``poster-<building>.pdf``: the name's letters and digits (any script), dashes between."""
    words = re.findall(r"\w+", unicodedata.normalize("NFC", building_name))
    slug = "-".join(words)[:60].strip("-_") or "building"
    return f"poster-{slug}.pdf"


def _text(fig, x: float, y_in: float, text: str, size: float, **kw) -> None:
    """One text centred at ``x`` (figure fraction), its top ``y_in`` inches from the top.
    ``parse_math=False``: a building called "$5 Street" is drawn as written."""
    fig.text(
        x,
        1 - y_in / HEIGHT_IN,
        text,
        fontsize=size,
        fontfamily=kw.pop("fontfamily", None) or charts.fonts_for(text),
        ha="center",
        va="top",
        multialignment="center",
        color=kw.pop("color", INK),
        linespacing=kw.pop("linespacing", 1.05),
        parse_math=False,
        **kw,
    )


def module_in(n: int) -> float:
    """The side of one module of an ``n``-module QR code, in inches: a whole number of pixels
    of the PNG, so that the chat preview is as crisp as the PDF, and the code about
    ``QR_IN`` wide."""
    return int(QR_IN * PNG_DPI / n) / PNG_DPI


def _qr(fig, link: str, top_in: float) -> float:
    """The QR code of ``link``, about ``QR_IN`` wide, centred, as one path of black
    squares; returns its side in inches."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    from bot.services.invites import qr_matrix

    matrix = qr_matrix(link)
    n = len(matrix)
    side = module_in(n)
    left = (WIDTH_IN - side * n) / 2
    vertices, codes = [], []
    square = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if not dark:
                continue
            x0 = (left + col * side) / WIDTH_IN
            x1 = (left + (col + 1) * side) / WIDTH_IN
            y0 = 1 - (top_in + (row + 1) * side) / HEIGHT_IN
            y1 = 1 - (top_in + row * side) / HEIGHT_IN
            vertices += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
            codes += square
    fig.add_artist(
        PathPatch(
            Path(vertices, codes),
            transform=fig.transFigure,
            facecolor="black",
            edgecolor="none",
            antialiased=False,
        )
    )
    return side * n


def _figure(building_name: str, link: str, bot_username: str, code: str):
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    name = [_ready(line) for line in charts.wrap(building_name, 24, 2)]
    scans = [(locale, _ready(text)) for locale, text in scan_lines() if charts.can_draw(text)]
    fallback = _(FALLBACK).format(bot=bot_username)
    fallback_lines = [
        _ready(line) for line in charts.wrap(fallback, 80, 2) if charts.can_draw(line)
    ]

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=PNG_DPI, facecolor="white")
    # a band of colour across the top, the name under it
    fig.add_artist(
        Rectangle(
            (0, 1 - 0.28 / HEIGHT_IN),
            1,
            0.28 / HEIGHT_IN,
            transform=fig.transFigure,
            facecolor=ACCENT,
            edgecolor="none",
        )
    )
    y = MARGIN_IN
    _text(fig, 0.5, y, "Common Ground", BRAND_PT, color=ACCENT, fontweight="bold")
    y += BRAND_PT * 1.6 / 72
    size = NAME_PT if len(name) == 1 else NAME_PT - 6
    for line in name:  # one text a line: an Arabic line does not space out a Latin one
        _text(fig, 0.5, y, line, size, fontweight="bold")
        y += charts._line_in(size, charts.is_rtl(line))
    y += 0.15
    qr_top = max(y, 2.2)
    y = qr_top + _qr(fig, link, qr_top)
    if fallback_lines:
        _text(fig, 0.5, y, "\n".join(fallback_lines), FALLBACK_PT, color=MUTED)
        y += charts._height(fallback_lines, FALLBACK_PT) + 0.05
    _text(fig, 0.5, y, f"/start {code}", CODE_PT, fontfamily=["DejaVu Sans Mono"])
    y += CODE_PT * 1.5 / 72 + 0.25
    # the six invitations share what is left of the page
    rows = [charts._line_in(SCAN_PT, charts.is_rtl(text)) for _locale, text in scans]
    room = HEIGHT_IN - MARGIN_IN - y
    gap = max(0.0, (room - sum(rows)) / max(1, len(rows)))
    for (_locale, text), row in zip(scans, rows, strict=True):
        _text(fig, 0.5, y + gap / 2, text, SCAN_PT)
        y += row + gap
    return fig


def poster(
    building_name: str, link: str, bot_username: str, code: str, *, fmt: str = "pdf"
) -> bytes:
    """The invite's poster as a one-page A4 PDF (``fmt="pdf"``) or PNG at 150 dpi (``"png"``).

    Raises :class:`~bot.views.charts.ChartUnavailable` when a letter of the building's name
    has no installed font."""
    with charts._DRAW:
        fig = _figure(building_name, link, bot_username, code)
        buffer = io.BytesIO()
        if fmt == "pdf":
            from matplotlib.backends.backend_pdf import FigureCanvasPdf

            FigureCanvasPdf(fig)
            fig.savefig(buffer, format="pdf", facecolor="white", metadata={"Title": building_name})
        else:
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(fig)
            fig.savefig(buffer, format="png", dpi=PNG_DPI, facecolor="white")
        return buffer.getvalue()
