"""The PNG charts, opened as images: phone-sized, not blank, hidden cells draw nothing, and in
each of the six languages every label is drawn with a font that has its glyphs (a missing
glyph warning fails), Arabic joined and right to left, Chinese not boxes. One example per
locale is kept under /tmp/charts/ to look at."""

from __future__ import annotations

import io
import logging
import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pytest
from bidi.algorithm import get_display
from matplotlib import font_manager
from matplotlib.text import Text
from PIL import Image

from bot import i18n
from bot.services.smallgroups import PROTECTED
from bot.services.surveys import AGENCY, Point, Results
from bot.storage.surveys import WaveRow
from bot.views import charts
from bot.views import surveys as views

EXAMPLES = Path("/tmp/charts")
ARABIC_FORMS = range(0xFB50, 0xFF00)  # Arabic presentation forms A and B


def image(png: bytes) -> Image.Image:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(png)).convert("RGB")


def pixels_of(png: bytes, colour: str) -> int:
    """How many pixels have exactly ``colour`` (bars are drawn without edges or blending)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return int((np.asarray(image(png)) == rgb).all(axis=-1).sum())


def assert_readable(png: bytes) -> Image.Image:
    picture = image(png)
    assert picture.width == 800
    assert 450 <= picture.height <= 2000
    # not blank: a white page has no spread; text and bars give plenty of ink
    grey = np.asarray(picture.convert("L"))
    assert grey.std() > 3
    assert (grey < 200).mean() > 0.001
    return picture


def font_of(family: str):
    path = font_manager.findfont(font_manager.FontProperties(family=family), False)
    return font_manager.get_font(path)


@pytest.fixture
def drawn(monkeypatch):
    """Every text a chart hands to matplotlib: (text, font families)."""
    seen: list[tuple[str, list[str]]] = []
    original = charts._Sheet.png

    def png(sheet):
        for t in sheet.fig.findobj(Text):
            if t.get_text():
                seen.append((t.get_text(), list(t.get_fontfamily())))
        return original(sheet)

    monkeypatch.setattr(charts._Sheet, "png", png)
    return seen


def sample_results() -> Results:
    wave = WaveRow(
        id=3,
        survey="agency",
        author_id=1,
        audience={},
        state="closed",
        opened_at="2026-11-01 12:00:00",
        closes_at="2026-11-08 12:00:00",
        remind_at="2026-11-07 12:00:00",
        reminded_at=None,
        closed_at="2026-11-08 12:00:00",
        job_id=None,
    )
    cells = [
        (3, None, 6, 10, PROTECTED, 0),
        (0, 0, 8, 12, 9, 0),
        (5, 5, 5, 5, 5, 5),
        (10, 7, None, PROTECTED, 9, 0),
        (6, 5, 7, 8, 5, 6),
        (12, 0, 0, 0, 17, 0),
    ]
    distributions = {
        q: dict(zip(("1", "2", "3", "4", "5", "skip"), c, strict=True))
        for q, c in zip(AGENCY, cells, strict=True)
    }
    totals = dict(zip(AGENCY, (25, 29, 30, 30, 37, 29), strict=True))
    trend = [
        Point(1, "2026-05-01 12:00:00", 48.0, 22),
        Point(2, "2026-08-01 12:00:00", None, None),
        Point(3, "2026-11-01 12:00:00", 61.5, 30),
    ]
    return Results(wave, 30, 60, distributions, trend, {}, totals=totals)


# ------------------------------------------------------------------------------ images
def test_a_bar_chart_is_a_phone_sized_png_that_is_not_blank():
    png = charts.bar_chart(
        "Which evening suits you?",
        ["Monday", "Tuesday", "Wednesday"],
        [12, 30, 0],
        total_note="Groups of fewer than 5 residents are not shown.",
    )
    picture = assert_readable(png)
    assert picture.height == 600
    assert pixels_of(png, charts.ACCENT) > 1000


def test_many_bars_make_a_taller_chart_with_bars_as_thick():
    few = charts.bar_chart("Options", [f"Option {i}" for i in range(3)], [10] * 3)
    many = charts.bar_chart("Options", [f"Option {i}" for i in range(14)], [10] * 14)
    assert image(many).height > image(few).height + 400
    per_bar_few = pixels_of(few, charts.ACCENT) / 3
    per_bar_many = pixels_of(many, charts.ACCENT) / 14
    assert per_bar_many == pytest.approx(per_bar_few, rel=0.1)


def test_a_hidden_value_draws_no_bar():
    one = charts.bar_chart("Poll", ["A", "B", "C"], [10, None, None])
    two = charts.bar_chart("Poll", ["A", "B", "C"], [10, None, 10])
    protected = charts.bar_chart("Poll", ["A", "B", "C"], [10, PROTECTED, 10])
    nothing = charts.bar_chart("Poll", ["A", "B", "C"], [None, None, PROTECTED])
    assert pixels_of(one, charts.ACCENT) > 1000
    assert pixels_of(two, charts.ACCENT) == pytest.approx(2 * pixels_of(one, charts.ACCENT), 0.02)
    assert pixels_of(protected, charts.ACCENT) == pixels_of(two, charts.ACCENT)
    assert pixels_of(nothing, charts.ACCENT) == 0
    assert_readable(nothing)  # the labels and marks are still there


def test_a_hidden_value_is_marked_and_percentages_need_a_whole(drawn):
    charts.bar_chart("Poll", ["A", "B"], [10, None])
    texts = [t for t, _f in drawn]
    assert charts.HIDDEN_MARK in texts
    assert "10" in texts  # no percentage of an unknown whole
    drawn.clear()
    charts.bar_chart("Poll", ["A", "B"], [10, None], total=40)
    assert "10 (25%)" in [t for t, _f in drawn]


def test_a_hidden_answer_is_not_drawn_in_its_colour():
    statements = ["I feel I belong here."]
    shown = charts.distribution_chart("Answers", statements, [[5, 6, 7, 8, 9]], list("12345"))
    hidden = charts.distribution_chart(
        "Answers", statements, [[5, None, 7, 8, PROTECTED]], list("12345"), totals=[35]
    )
    legend_only = charts.distribution_chart(  # answers 2 and 5 drawn nowhere but the legend
        "Answers", statements, [[5, 0, 7, 8, 0]], list("12345"), totals=[35]
    )
    for colour in (charts.LIKERT[1], charts.LIKERT[4]):
        assert pixels_of(shown, colour) > pixels_of(legend_only, colour) + 1000
    assert pixels_of(hidden, charts.LIKERT[1]) == pixels_of(legend_only, charts.LIKERT[1]) > 0
    assert pixels_of(hidden, charts.LIKERT[4]) == pixels_of(legend_only, charts.LIKERT[4])
    # the parts shown keep their share of the whole (35), hidden ones included
    assert pixels_of(hidden, charts.LIKERT[0]) == pytest.approx(
        pixels_of(shown, charts.LIKERT[0]), rel=0.05
    )


def test_a_hidden_wave_has_no_point():
    one = charts.trend_chart("Index", [("Wave #1", 50.0, 10), ("Wave #2", None, None)], y_label="")
    none = charts.trend_chart("Index", [("Wave #1", None, None), ("Wave #2", None, 3)], y_label="")
    assert_readable(one)
    assert pixels_of(one, charts.ACCENT) > 100
    assert pixels_of(none, charts.ACCENT) == 0


# ------------------------------------------------------------------------------ languages
@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_survey_chart_in_every_language_has_every_glyph(locale, drawn):
    EXAMPLES.mkdir(exist_ok=True)
    with i18n.use_locale(locale), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = views.results_chart(sample_results(), 5)
        title = i18n._("Answers, wave #{wave}").format(wave=3)
        statement = i18n._(views.QUESTIONS["belong"])
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing
    assert_readable(png)
    (EXAMPLES / f"{locale}.png").write_bytes(png)
    texts = "\n".join(t for t, _f in drawn)
    if locale != "en":
        assert title != "Answers, wave #3"
    for label in (title, statement):  # drawn as it is, or shaped line by line (Arabic)
        assert all(charts.shape(line) in texts for line in charts.wrap(label, 58, 3))


def test_arabic_is_drawn_joined_and_right_to_left(drawn):
    with i18n.use_locale("ar"):
        views.results_chart(sample_results(), 5)
    arabic = [(t, f) for t, f in drawn if charts.is_rtl(t)]
    assert len(arabic) >= 10
    for text, fonts in arabic:
        assert fonts[0] == "Noto Sans Arabic"  # digits in the same right-to-left run
        if charts.NATIVE_LAYOUT:  # matplotlib joins and orders it: logical order, as written
            assert not any(ord(c) in ARABIC_FORMS for c in text)
        else:
            assert any(ord(c) in ARABIC_FORMS for c in text)


def test_arabic_is_shaped_before_matplotlib_3_11(monkeypatch):
    """Older matplotlib draws characters one by one, left to right: the text it gets must
    already be joined (presentation forms) and in visual order."""
    monkeypatch.setattr(charts, "NATIVE_LAYOUT", False)
    word = "بناء 12"  # building: beh (initial form when joined), noon, alef, hamza
    shaped = charts.shape(word)
    assert shaped.startswith("12 ")  # the number at the left of a right-to-left line
    letters = shaped[3:]
    assert all(ord(c) in ARABIC_FORMS for c in letters)
    assert letters[-1] == "\ufe91"  # beh, initial form, last from the left: read first
    assert letters[0] == "\ufe80"  # hamza, isolated, at the far left: read last
    assert shaped == get_display(__import__("arabic_reshaper").reshape(word), base_dir="R")


@pytest.mark.skipif(not charts.NATIVE_LAYOUT, reason="matplotlib < 3.11 lays text out itself")
def test_matplotlib_joins_arabic_and_lays_it_right_to_left():
    """From 3.11 matplotlib shapes with HarfBuzz and orders with FriBiDi: ask its layout
    (private API, test only) what it will draw for a label in logical order."""
    from matplotlib.ft2font import LoadFlags

    font = font_of("Noto Sans Arabic")
    items = list(font._layout(charts.shape("بناء 12"), LoadFlags.NO_HINTING))
    chars = "".join(item.char for item in items)
    assert chars == "12 ءانب"  # visual order, left to right
    beh = items[-1]
    assert beh.glyph_index == font.get_char_index(0xFE91) != font.get_char_index(ord("ب"))


def test_chinese_labels_are_all_in_the_chinese_font(drawn):
    with i18n.use_locale("zh_Hans"):
        views.results_chart(sample_results(), 5)
    cjk = font_of("Noto Sans CJK SC")
    chars = {c for t, _f in drawn for c in t if unicodedata.east_asian_width(c) in "WF"}
    assert len(chars) > 30
    assert all(cjk.get_char_index(ord(c)) != 0 for c in chars), chars
    assert all("Noto Sans CJK SC" in f for t, f in drawn if any(c in chars for c in t))


# ------------------------------------------------------------------------------ missing fonts
@pytest.fixture
def latin_only(monkeypatch):
    """A machine without the Noto fonts: only matplotlib's DejaVu Sans."""
    dejavu = frozenset(font_of("DejaVu Sans").get_charmap())
    monkeypatch.setattr(charts, "installed_fonts", lambda: (("DejaVu Sans", dejavu),))


def test_without_the_fonts_chinese_gets_no_chart_of_boxes(latin_only):
    with i18n.use_locale("zh_Hans"), pytest.raises(charts.ChartUnavailable) as raised:
        views.results_chart(sample_results(), 5)
    assert unicodedata.east_asian_width(raised.value.missing) == "W"
    assert not charts.can_draw("居民")


def test_without_the_fonts_the_others_still_get_their_chart(latin_only):
    """DejaVu Sans, which comes with matplotlib, has Latin, Vietnamese and Arabic."""
    for locale in ("en", "vi", "ar"):
        with i18n.use_locale(locale), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert_readable(views.results_chart(sample_results(), 5))
        assert not [w for w in caught if "missing from font" in str(w.message)]


def test_an_emoji_no_font_has_is_left_out_of_a_label(drawn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.bar_chart("Lunch? 🍕", ["🍕 Pizza", "Soup 🥣"], [6, 7])
    assert not [w for w in caught if "missing from font" in str(w.message)]
    texts = [t for t, _f in drawn]
    assert "Pizza" in texts and "Soup" in texts and "Lunch?" in texts


def test_warming_up_names_the_missing_fonts_once(monkeypatch, caplog, latin_only):
    monkeypatch.setattr(charts, "_warmed", charts.threading.Event())
    with caplog.at_level(logging.WARNING, logger="bot.views.charts"):
        charts.warm()
        charts.warm()
    warnings_logged = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings_logged) == 1
    message = warnings_logged[0].getMessage()
    assert "fonts-noto-core" in message and "fonts-noto-cjk" in message


# ------------------------------------------------------------------------------ text
def test_wrapping_keeps_words_whole_and_breaks_chinese_between_characters():
    lines = charts.wrap("I feel safe taking part in building meetings.", 20)
    assert lines == ["I feel safe taking", "part in building", "meetings."]
    chinese = charts.wrap("我觉得参加大楼会议是安全的。", 10)
    assert "".join(chinese) == "我觉得参加大楼会议是安全的。"
    assert all(len(line) <= 5 for line in chinese)
    long = charts.wrap("word " * 100, 20, max_lines=2)
    assert len(long) == 2 and long[-1].endswith("…")


def test_fonts_installed_after_matplotlib_listed_the_system_fonts_are_found(monkeypatch):
    """matplotlib keeps the font list of its first run (a machine where the Noto fonts came
    later): the charts add the Noto files themselves."""
    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", [e for e in manager.ttflist if "Noto" not in e.name])
    manager._findfont_cached.cache_clear()  # matplotlib's own memo of what it found
    charts.installed_fonts.cache_clear()
    try:
        assert [family for family, _points in charts.installed_fonts()] == list(charts.FAMILIES)
    finally:
        monkeypatch.undo()
        manager._findfont_cached.cache_clear()
        charts.installed_fonts.cache_clear()
