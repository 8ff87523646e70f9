"""Charts as PNG bytes, readable on a phone, in the reader's language.

Pure functions of plain data (texts already translated by the caller), drawn with
``matplotlib.figure.Figure`` and the Agg canvas (no pyplot: no global state). Handlers call
them in a worker thread (``asyncio.to_thread``); one lock serialises the drawing itself.

Every piece of text goes through :func:`shape`: Arabic is joined (``arabic_reshaper``) and put
in visual order (``python-bidi``), which matplotlib does not do by itself. Fonts are a fallback
list (Noto Sans for Latin and Vietnamese, Noto Sans Arabic, Noto Sans CJK SC, then matplotlib's
own DejaVu Sans). Before drawing, every character is checked against the fonts installed: a
letter no font has raises :class:`ChartUnavailable` (the caller sends its text only, never a
chart of boxes); a symbol no font has (an emoji in a poll option) is left out.

Layout: 800 px wide, about 600 px high (taller with many bars), big type, horizontal bars with
the label above each bar (so a long statement keeps the whole width), the value at the bar's
end, a title, and the caller's footnote. With an Arabic title the chart is mirrored: labels on
the right, bars growing leftwards, the first wave on the right.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from functools import cache

from bot.i18n import ngettext

log = logging.getLogger(__name__)

HIDDEN_MARK = "–"  # a hidden cell (small-group rule): no bar, this mark instead

# Fallback order: Latin and Vietnamese, Arabic, Chinese, then matplotlib's bundled font.
FAMILIES = ("Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", "DejaVu Sans")
# Debian packages that provide them (Dockerfile, .ci/run)
FONT_PACKAGES = {
    "Noto Sans": "fonts-noto-core",
    "Noto Sans Arabic": "fonts-noto-core",
    "Noto Sans CJK SC": "fonts-noto-cjk",
}

DPI = 100
WIDTH_IN = 8.0  # 800 px
MIN_HEIGHT_IN = 6.0  # 600 px
MARGIN_IN = 0.3

TITLE_PT, LABEL_PT, VALUE_PT, NOTE_PT, LEGEND_PT = 21, 16, 16, 13, 15
INK, MUTED, ACCENT = "#1a1a1a", "#555555", "#2b6cb0"
HIDDEN_FILL = "#ffffff"
SKIP_COLOUR = "#9e9e9e"
# Colour-blind safe diverging scale for 1-5 (disagree red, neutral sand, agree blue)
LIKERT = ("#c2185b", "#f4a582", "#efe3c2", "#92c5de", "#1f5fa8")
DARK = {"#c2185b", "#1f5fa8", SKIP_COLOUR, ACCENT}

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_WIDE = (  # characters two cells wide: Chinese, Japanese, Korean, full-width forms
    "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
)
_TOKENS = re.compile(f"[{_WIDE}]|[^\\s{_WIDE}]+|\\s+")
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None
)

_NOTO_FILE = re.compile(r"/NotoSans(?:Arabic|CJK)?-(?:Regular|Bold)\.tt[fc]$")
_DRAW = threading.Lock()


class ChartUnavailable(Exception):
    """The installed fonts cannot draw some letter of the chart's text: send the text only."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"no font draws {missing!r}")
        self.missing = missing


# ------------------------------------------------------------------------------ fonts
@cache
def installed_fonts() -> tuple[tuple[str, frozenset[int]], ...]:
    """(family, the code points it draws) for each of :data:`FAMILIES` installed, in order."""
    from matplotlib import font_manager

    def find(family: str):
        try:
            return font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            return None

    if any(find(family) is None for family in FONT_PACKAGES):
        # matplotlib keeps its list of system fonts from its first run: fonts installed
        # since are not in it. Add the Noto files if they are on disk now.
        for path in font_manager.findSystemFonts():
            if _NOTO_FILE.search(path):
                font_manager.fontManager.addfont(path)
    found = []
    for family in FAMILIES:
        path = find(family)
        if path is not None:
            found.append((family, frozenset(font_manager.get_font(path).get_charmap())))
    return tuple(found)


def families() -> list[str]:
    return [family for family, _points in installed_fonts()]


def fonts_for(text: str) -> list[str]:
    """The fallback list for one text: Arabic text starts with the Arabic font, so that its
    digits and punctuation are laid out in the same right-to-left run as its words
    (matplotlib lays text out one font at a time)."""
    found = families()
    if _ARABIC.search(text) and "Noto Sans Arabic" in found:
        found.remove("Noto Sans Arabic")
        found.insert(0, "Noto Sans Arabic")
    return found


def missing_families() -> list[str]:
    """The Noto families charts want that are not installed."""
    have = set(families())
    return [family for family in FONT_PACKAGES if family not in have]


def drawable(char: str) -> bool:
    return any(ord(char) in points for _family, points in installed_fonts())


def _needs_glyph(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf"))


def _clean(text: str) -> str:
    """``text`` with the symbols no font draws left out; raises :class:`ChartUnavailable`
    for a letter, digit or punctuation mark no font draws."""
    kept = []
    for char in text:
        if not _needs_glyph(char):
            if char in " \n":
                kept.append(char)
            continue
        if drawable(char):
            kept.append(char)
        elif unicodedata.category(char)[0] in "SM":  # emoji, variation selectors, keycaps
            continue
        else:
            raise ChartUnavailable(char)
    return re.sub(" {2,}", " ", "".join(kept)).strip(" ")


def can_draw(text: str) -> bool:
    """Whether a chart with this text can be drawn with the fonts installed."""
    try:
        _clean(shape(text))
    except ChartUnavailable:
        return False
    return True


# ------------------------------------------------------------------------------ text
def is_rtl(text: str) -> bool:
    return bool(_ARABIC.search(text))


def _native_layout() -> bool:
    """Whether matplotlib shapes and orders complex scripts itself (3.11 and later lay text
    out with libraqm: HarfBuzz and FriBiDi). Then Arabic must be handed over in logical order:
    joining it beforehand would have it reversed twice. Read from the installed package's
    metadata: importing matplotlib here would cost start-up about 0.4 s."""
    from importlib.metadata import version

    major, minor = (int(n) for n in re.findall(r"\d+", version("matplotlib"))[:2])
    return (major, minor) >= (3, 11)


NATIVE_LAYOUT = _native_layout()


def shape(line: str) -> str:
    """One line as matplotlib must draw it. Before matplotlib 3.11: Arabic letters joined
    (presentation forms, ``arabic_reshaper``) and the line in visual order (``python-bidi``,
    right to left, numbers and Latin words kept left to right). From 3.11 matplotlib does
    both itself, so the line goes as it is (see :func:`fonts_for`)."""
    if not _ARABIC.search(line) or NATIVE_LAYOUT:
        return line.translate(_BIDI_CONTROLS)
    import arabic_reshaper
    from bidi.algorithm import get_display

    return get_display(arabic_reshaper.reshape(line), base_dir="R").translate(_BIDI_CONTROLS)


def _cells(text: str) -> int:
    return sum(2 if re.match(f"[{_WIDE}]", c) else 1 for c in text)


def wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    """Break ``text`` (logical order) into lines of at most ``width`` cells (a Chinese
    character is two); words stay whole, Chinese breaks between characters."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if token.isspace():
            line += " " if line else ""
            continue
        if line.strip() and _cells(line + token) > width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, len(lines[-1]) - 1)].rstrip() + "…"
    return lines or [""]


def _lines(text: str, width: int, max_lines: int = 3) -> list[str]:
    """Wrapped in logical order, then each line shaped and cleaned."""
    return [_clean(shape(line)) for line in wrap(text, width, max_lines)]


# ------------------------------------------------------------------------------ drawing
class _Sheet:
    """A figure laid out from the top down, in inches."""

    def __init__(self, height_in: float, rtl: bool) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.height = height_in
        self.rtl = rtl
        self.fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor="white")
        FigureCanvasAgg(self.fig)
        self.fonts = families()

    def y(self, inches_from_top: float) -> float:
        return 1 - inches_from_top / self.height

    def text(self, top: float, lines: list[str], size: float, **kw) -> None:
        """Lines from ``top`` (inches), at the reading start (left, or right in Arabic)."""
        x = 1 - MARGIN_IN / WIDTH_IN if self.rtl else MARGIN_IN / WIDTH_IN
        align = "right" if self.rtl else "left"
        self.fig.text(
            x,
            self.y(top),
            "\n".join(lines),
            fontsize=size,
            fontfamily=fonts_for("".join(lines)),
            ha=align,
            multialignment=align,
            va="top",
            color=kw.pop("color", INK),
            linespacing=1.0,
            **kw,
        )

    def axes(self, top: float, bottom: float, *, frame: bool = False):
        """Axes between ``top`` and ``bottom`` (inches from the top), margin to margin."""
        left = MARGIN_IN / WIDTH_IN
        ax = self.fig.add_axes(
            (left, self.y(bottom), 1 - 2 * left, (bottom - top) / self.height),
            frame_on=frame,
        )
        return ax

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
        return buffer.getvalue()


def _line_in(points: float, arabic: bool = False) -> float:
    """The height of one line of text of ``points`` size, in inches (Arabic fonts are
    taller: room for the marks above and below the letters)."""
    return points * (1.85 if arabic else 1.4) / 72


def _height(lines: list[str], points: float) -> float:
    return len(lines) * _line_in(points, any(_ARABIC.search(line) for line in lines))


def _header(title: str) -> tuple[list[str], float]:
    lines = _lines(title, 44, 3)
    return lines, MARGIN_IN + _height(lines, TITLE_PT) + 0.15


def _footer(note: str | None) -> tuple[list[str], float]:
    if not note:
        return [], MARGIN_IN
    lines = _lines(note, 70, 3)
    return lines, _height(lines, NOTE_PT) + MARGIN_IN + 0.1


def _hidden(value: int | None) -> bool:
    """None ("fewer than k") and smallgroups.PROTECTED (negative) are hidden cells."""
    return value is None or value < 0


# ------------------------------------------------------------------------------ bar chart
BAR_IN, GAP_IN = 0.38, 0.18


def _row_label(ax, y: float, lines: list[str], align: str) -> float:
    """A bar's label above it, in the fonts its script needs; returns where the bar goes."""
    ax.text(
        0,
        y,
        "\n".join(lines),
        fontsize=LABEL_PT,
        fontfamily=fonts_for("".join(lines)),
        ha=align,
        multialignment=align,
        va="top",
        color=INK,
        linespacing=1.0,
    )
    return y + _height(lines, LABEL_PT) + 0.04


def bar_chart(
    title: str,
    labels: list[str],
    values: list[int | None],
    *,
    total_note: str | None = None,
    percent: bool = True,
    total: int | None = None,
) -> bytes:
    """One horizontal bar per label, in the order given, with its count (and percentage) at
    its end. A hidden value (None, or smallgroups' negative PROTECTED) draws no bar and shows
    :data:`HIDDEN_MARK`. Percentages are of ``total`` when given (it may include hidden
    cells), else of the shown values, and are left out when a value is hidden and no total
    was given (they would be of the wrong whole).

    Raises :class:`ChartUnavailable` when a letter of the text has no installed font (then
    send the text only); every public chart function does."""
    values = list(values) + [None] * (len(labels) - len(values))
    rtl = is_rtl(title)
    head, head_h = _header(title)
    foot, foot_h = _footer(total_note)
    items = [_lines(label, 58, 2) for label in labels]
    body = sum(_height(lines, LABEL_PT) + BAR_IN + GAP_IN for lines in items)
    height = max(MIN_HEIGHT_IN, head_h + body + foot_h)
    shown = [v for v in values if not _hidden(v)]
    whole = total if total is not None else (None if len(shown) < len(values) else sum(shown))
    top_value = max(shown, default=0) or 1
    with _DRAW:
        sheet = _Sheet(height, rtl)
        sheet.text(MARGIN_IN, head, TITLE_PT, fontweight="bold")
        if foot:
            sheet.text(height - foot_h + 0.1, foot, NOTE_PT, color=MUTED)
        ax = sheet.axes(head_h, height - foot_h)
        ax.set_axis_off()
        span = height - foot_h - head_h
        ax.set_ylim(span, 0)  # y in inches from the top of the body
        reach = top_value * 1.35  # room for the value after the longest bar
        ax.set_xlim((reach, 0) if rtl else (0, reach))
        align = "right" if rtl else "left"
        y = 0.0
        for lines, value in zip(items, values, strict=False):
            y = _row_label(ax, y, lines, align)
            middle = y + BAR_IN / 2
            if _hidden(value):
                end, label = 0, HIDDEN_MARK
            else:
                ax.barh(middle, value, height=BAR_IN, left=0, color=ACCENT, linewidth=0)
                end = value
                label = str(value)
                if percent and whole:
                    label += f" ({round(100 * value / whole)}%)"
            ax.text(
                end + reach * 0.015,
                middle,
                label,
                fontsize=VALUE_PT,
                fontfamily=fonts_for(label),
                fontweight="bold",
                ha=align,
                va="center",
                color=INK,
            )
            y += BAR_IN + GAP_IN - 0.04
        return sheet.png()


# ------------------------------------------------------------------------------ distributions
def _scale_colours(n: int) -> list[str]:
    if n == len(LIKERT):
        return list(LIKERT)
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["RdBu"]
    return [to_hex(cmap(0.1 + 0.8 * i / max(1, n - 1))) for i in range(n)]


def distribution_chart(
    title: str,
    statements: list[str],
    counts: list[Sequence[int | None]],
    scale: list[str],
    *,
    totals: list[int] | None = None,
    extra: str | None = None,
    scale_note: str | None = None,
    total_note: str | None = None,
) -> bytes:
    """Several questions in one image: for each statement, one bar split into its answers
    (``scale``, e.g. 1-5, coloured from disagree to agree; then ``extra``, e.g. "no answer",
    in grey when given), each part a share of the statement's answers with its percentage.

    ``counts[i]`` has one cell per scale point (and one more for ``extra``); a hidden cell
    (None or negative) is not drawn in its place: all hidden cells of a statement together
    are one white part marked :data:`HIDDEN_MARK` at the end, sized from ``totals[i]`` (the
    answers to the statement, hidden ones included: what the small-group rule lets a total
    show). Without ``totals`` hidden cells take no room and the shares are of the shown
    cells."""
    categories = list(scale) + ([extra] if extra else [])
    colours = _scale_colours(len(scale)) + ([SKIP_COLOUR] if extra else [])
    rtl = is_rtl(title)
    head, head_h = _header(title)
    legend = [_clean(shape(c)) for c in categories]
    legend_h = _legend_height(legend) + 0.15
    note = _lines(scale_note, 70, 2) if scale_note else []
    head_h += legend_h + _height(note, NOTE_PT) + (0.1 if note else 0)
    foot, foot_h = _footer(total_note)
    items = [_lines(statement, 58, 3) for statement in statements]
    body = sum(_height(lines, LABEL_PT) + BAR_IN + GAP_IN for lines in items)
    height = max(MIN_HEIGHT_IN, head_h + body + foot_h)
    with _DRAW:
        sheet = _Sheet(height, rtl)
        sheet.text(MARGIN_IN, head, TITLE_PT, fontweight="bold")
        top = MARGIN_IN + _height(head, TITLE_PT) + 0.15
        _legend(sheet, top, legend, colours)
        if note:
            sheet.text(top + legend_h, note, NOTE_PT, color=MUTED)
        if foot:
            sheet.text(height - foot_h + 0.1, foot, NOTE_PT, color=MUTED)
        ax = sheet.axes(head_h, height - foot_h)
        ax.set_axis_off()
        ax.set_ylim(height - foot_h - head_h, 0)
        ax.set_xlim((100, 0) if rtl else (0, 100))
        align = "right" if rtl else "left"
        y = 0.0
        for i, lines in enumerate(items):
            cells = list(counts[i]) + [None] * (len(categories) - len(counts[i]))
            y = _row_label(ax, y, lines, align)
            middle = y + BAR_IN / 2
            shown = sum(c for c in cells if not _hidden(c))
            whole = totals[i] if totals is not None and totals[i] >= shown else shown
            _stack(ax, middle, cells, colours, whole, shown, sheet.fonts)
            y += BAR_IN + GAP_IN - 0.04
        return sheet.png()


def _stack(ax, middle, cells, colours, whole, shown, fonts) -> None:
    if not whole:
        ax.text(0, middle, HIDDEN_MARK, fontsize=VALUE_PT, va="center", color=MUTED)
        return
    left = 0.0
    for cell, colour in zip(cells, colours, strict=False):
        if _hidden(cell) or cell == 0:
            continue
        width = 100 * cell / whole
        ax.barh(middle, width, height=BAR_IN, left=left, color=colour, linewidth=0)
        if width >= 8:
            ax.text(
                left + width / 2,
                middle,
                f"{round(width)}%",
                fontsize=VALUE_PT - 2,
                fontfamily=fonts,
                fontweight="bold",
                ha="center",
                va="center",
                color="white" if colour in DARK else INK,
            )
        left += width
    rest = 100 * (whole - shown) / whole
    if rest > 0:
        ax.barh(
            middle,
            rest,
            height=BAR_IN,
            left=left,
            color=HIDDEN_FILL,
            edgecolor=MUTED,
            hatch="//",
            linewidth=1,
        )
        ax.text(
            left + rest / 2,
            middle,
            HIDDEN_MARK,
            fontsize=VALUE_PT,
            fontweight="bold",
            ha="center",
            va="center",
            color=INK,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )


LEGEND_BOX, LEGEND_GAP, LEGEND_SPACE = 0.22, 0.08, 0.35


def _legend_rows(labels: list[str]) -> list[list[tuple[int, float]]]:
    """The legend's entries in rows that fit the width: (index, width in inches)."""
    cell = LEGEND_PT * 0.55 / 72  # a Latin character's width, about
    rows: list[list[tuple[int, float]]] = [[]]
    used = 0.0
    room = WIDTH_IN - 2 * MARGIN_IN
    for i, label in enumerate(labels):
        width = LEGEND_BOX + LEGEND_GAP + _cells(label) * cell
        if rows[-1] and used + width > room:
            rows.append([])
            used = 0.0
        rows[-1].append((i, width))
        used += width + LEGEND_SPACE
    return rows


def _legend_height(labels: list[str]) -> float:
    return len(_legend_rows(labels)) * (_line_in(LEGEND_PT, any(map(is_rtl, labels))) + 0.05)


def _legend(sheet: _Sheet, top: float, labels: list[str], colours: list[str]) -> None:
    """Colour squares with their labels, in reading order, in as many rows as needed."""
    from matplotlib.patches import Rectangle

    row_h = _legend_height(labels) / max(1, len(_legend_rows(labels)))
    for r, row in enumerate(_legend_rows(labels)):
        centre = top + r * row_h + row_h / 2
        x = MARGIN_IN
        for i, width in row:
            start = WIDTH_IN - x - LEGEND_BOX if sheet.rtl else x
            sheet.fig.add_artist(
                Rectangle(
                    (start / WIDTH_IN, sheet.y(centre + LEGEND_BOX / 2)),
                    LEGEND_BOX / WIDTH_IN,
                    LEGEND_BOX / sheet.height,
                    transform=sheet.fig.transFigure,
                    facecolor=colours[i],
                    edgecolor=MUTED,
                    linewidth=0.8,
                )
            )
            text_x = start - LEGEND_GAP if sheet.rtl else start + LEGEND_BOX + LEGEND_GAP
            sheet.fig.text(
                text_x / WIDTH_IN,
                sheet.y(centre),
                labels[i],
                fontsize=LEGEND_PT,
                fontfamily=fonts_for(labels[i]),
                ha="right" if sheet.rtl else "left",
                va="center",
                color=INK,
            )
            x += width + LEGEND_SPACE


# ------------------------------------------------------------------------------ trend
def residents_label(count: int | None) -> str:
    if count is None or count < 0:
        return HIDDEN_MARK
    return ngettext("{count} resident", "{count} residents", count).format(count=count)


def trend_chart(
    title: str,
    points: list[tuple[str, float | None, int | None]],
    *,
    y_label: str,
    total_note: str | None = None,
    height_in: float = 5.0,
) -> bytes:
    """An index (0-100) across waves: ``points`` are (the x label such as "Wave #3", the
    index or None when hidden, the residents behind it or None when hidden). Shown points are
    joined by a line and labelled with their value; a hidden one has no point, only
    :data:`HIDDEN_MARK`; each x label says how many residents are behind it."""
    rtl = is_rtl(title)
    head, head_h = _header(title)
    foot, foot_h = _footer(total_note)
    ticks = [
        "\n".join(_lines(label, 14, 2) + _lines(residents_label(count), 14, 1))
        for label, _index, count in points
    ]
    scale = _lines(y_label, 70, 2) if y_label else []  # under the title, not sideways
    scale_top = head_h - 0.1
    head_h += _height(scale, NOTE_PT + 1) + (0.1 if scale else 0)
    tick_h = max((_height(t.split("\n"), LABEL_PT - 2) for t in ticks), default=0.3) + 0.2
    height = max(height_in, head_h + 2.3 + tick_h + foot_h)
    with _DRAW:
        sheet = _Sheet(height, rtl)
        sheet.text(MARGIN_IN, head, TITLE_PT, fontweight="bold")
        if scale:
            sheet.text(scale_top, scale, NOTE_PT + 1, color=MUTED)
        if foot:
            sheet.text(height - foot_h + 0.1, foot, NOTE_PT, color=MUTED)
        ax = sheet.axes(head_h + 0.2, height - foot_h - tick_h, frame=False)
        # room for the numbers of the y axis on the reading-start side
        pad = 0.5 / WIDTH_IN
        x0, y0, w, h = ax.get_position().bounds
        ax.set_position((x0 if rtl else x0 + pad, y0, w - pad, h))
        xs = list(range(len(points)))
        ys = [float("nan") if index is None else index for _label, index, _n in points]
        ax.plot(xs, ys, color=ACCENT, linewidth=3, marker="o", markersize=11, zorder=3)
        for x, (_label, index, _n) in zip(xs, points, strict=True):
            if index is None:
                ax.text(x, 6, HIDDEN_MARK, fontsize=VALUE_PT + 4, ha="center", color=MUTED)
            else:
                ax.annotate(
                    f"{index:.0f}",
                    (x, index),
                    xytext=(0, 12),
                    textcoords="offset points",
                    fontsize=VALUE_PT,
                    fontweight="bold",
                    ha="center",
                    va="bottom",
                    color=INK,
                )
        ax.set_ylim(0, 110)
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.set_xlim(-0.5, len(points) - 0.5)
        if rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
        ax.set_xticks(xs, ticks, fontsize=LABEL_PT - 2, fontfamily=fonts_for(title), color=INK)
        ax.tick_params(axis="y", labelsize=LABEL_PT - 2, colors=MUTED, length=0)
        ax.tick_params(axis="x", length=0, pad=8)
        ax.grid(axis="y", color="#dddddd", linewidth=1)
        ax.set_axisbelow(True)
        return sheet.png()


# ------------------------------------------------------------------------------ together
def stack(*pngs: bytes) -> bytes:
    """Several charts as one image, one under the other (one photo in the chat)."""
    from PIL import Image

    images = [Image.open(io.BytesIO(png)).convert("RGB") for png in pngs]
    width = max(image.width for image in images)
    out = Image.new("RGB", (width, sum(image.height for image in images)), "white")
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height
    buffer = io.BytesIO()
    out.save(buffer, format="PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------------------ start-up
_warmed = threading.Event()
_warm_lock = threading.Lock()


def warm() -> float:
    """Build matplotlib's font cache, find the fonts and draw once in every script, so the
    first chart a person asks for comes quickly; logs one warning naming missing fonts.
    Returns the seconds it took. Never raises (run it in a background thread)."""
    with _warm_lock:
        if _warmed.is_set():
            return 0.0
        start = time.perf_counter()
        try:
            missing = missing_families()
            if missing:
                packages = sorted({FONT_PACKAGES[f] for f in missing})
                log.warning(
                    "Chart fonts missing (%s; install %s): charts whose text needs them are "
                    "sent as text only",
                    ", ".join(missing),
                    " ".join(packages),
                )
            sample = [t for t in ("Aa", "بناء", "居民") if can_draw(t)]
            bar_chart(" ".join(sample), sample, [1] * len(sample))
        except Exception:  # a chart is a nicety: the bot works without
            log.exception("Could not prepare charts")
        finally:
            _warmed.set()
        seconds = time.perf_counter() - start
        log.info("Charts ready in %.1f s", seconds)
        return seconds


def start_warming() -> None:
    """:func:`warm` in a background thread, once per process."""
    if not _warmed.is_set() and not _warm_lock.locked():
        threading.Thread(target=warm, name="charts-warm", daemon=True).start()
