"""The lobby poster, opened as a PNG (Pillow) and as a PDF (its bytes): A4, not blank, every
glyph drawn (a missing glyph warning fails), each language in its own words and font, the QR
code the same modules as ``qr_png``'s, the building's name drawn as written. The PNG is kept
as /tmp/posters/poster.png to look at."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import png
import pytest
from matplotlib import font_manager
from matplotlib.text import Text
from PIL import Image

from bot import i18n
from bot.services.invites import deep_link, qr_matrix, qr_png
from bot.views import charts, poster

EXAMPLES = Path("/tmp/posters")
NAME = "برج النخيل 棕榈楼 Palm Tower"
CODE = "AbC-dEf_1234"
LINK = deep_link("CommonGroundBot", CODE)


def render(fmt: str, name: str = NAME, locale: str = "en") -> bytes:
    with i18n.use_locale(locale), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = poster.poster(name, LINK, "CommonGroundBot", CODE, fmt=fmt)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing
    return out


def drawn_texts(name: str = NAME, locale: str = "en") -> list[Text]:
    with i18n.use_locale(locale):
        fig = poster._figure(name, LINK, "CommonGroundBot", CODE)
    return [t for t in fig.findobj(Text) if t.get_text()]


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    content = render("png")
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    EXAMPLES.mkdir(exist_ok=True)
    (EXAMPLES / "poster.png").write_bytes(content)
    return Image.open(io.BytesIO(content)).convert("L")


def test_the_png_is_an_a4_page_at_150_dpi_and_not_blank(picture):
    assert abs(picture.width - 1240) <= 1 and abs(picture.height - 1754) <= 1
    assert abs(picture.height / picture.width - 2**0.5) < 0.005
    grey = np.asarray(picture)
    assert grey.std() > 20
    assert 0.03 < (grey < 128).mean() < 0.5  # plenty of ink, not a black page


def test_the_qr_code_on_the_poster_has_the_modules_of_qr_png(picture):
    width, _height, rows, info = png.Reader(bytes=qr_png(LINK)).read()
    box = 16  # qr_png's box_size
    image = np.array([list(row) for row in rows])
    from_png = image[box // 2 :: box, box // 2 :: box] < 2 ** info["bitdepth"] / 2
    matrix = np.array(qr_matrix(LINK))
    assert from_png.shape == matrix.shape == (width // box, width // box)
    assert (from_png == matrix).all()
    # on the poster: centred, QR_IN wide; find its top from the top-left finder pattern
    grey = np.asarray(picture)
    n = len(matrix)
    module = poster.module_in(n) * poster.PNG_DPI
    assert module == int(module)  # whole pixels: a crisp preview
    assert abs(module * n / poster.PNG_DPI - poster.QR_IN) < 0.1 * poster.QR_IN
    left = (poster.WIDTH_IN * poster.PNG_DPI - module * n) / 2
    column = grey[:, int(left + 4.5 * module)]
    first_dark = int(np.argmax(column[int(2 * poster.PNG_DPI) :] < 128)) + int(2 * poster.PNG_DPI)
    top = first_dark - 4 * module
    centres = (np.arange(n) + 0.5) * module
    sampled = grey[np.ix_((top + centres).astype(int), (left + centres).astype(int))] < 128
    assert (sampled == matrix).all()
    assert module >= 10  # a module is at least 1.7 mm on paper


def test_the_pdf_is_one_a4_page_with_its_fonts_embedded():
    content = render("pdf")
    EXAMPLES.mkdir(exist_ok=True)
    (EXAMPLES / "poster.pdf").write_bytes(content)
    assert content.startswith(b"%PDF-1.")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", content)) == 1
    [box] = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", content)
    assert [round(float(v)) for v in box] == [595, 842]  # A4 in points
    fonts = re.findall(rb"/BaseFont\s*/([\w+-]+)", content)
    assert any(b"NotoSansArabic" in f for f in fonts)
    assert any(b"NotoSansCJK" in f for f in fonts)
    # every font is drawn from glyphs in the file: Type 3 procedures, or an embedded font file
    subtypes = re.findall(rb"/Subtype\s*/(Type3|Type1|TrueType|Type0)\b", content)
    assert subtypes and all(s == b"Type3" for s in subtypes)
    assert content.count(b"/CharProcs") == len(subtypes)


def test_each_language_says_scan_in_its_own_words_and_font():
    texts = {t.get_text(): t for t in drawn_texts(locale="fr")}
    for locale, line in poster.scan_lines():
        assert line in texts, locale
        fonts = list(texts[line].get_fontfamily())
        if locale == "ar":
            assert fonts[0] == "Noto Sans Arabic"  # right to left in one run, joined
        if locale == "zh_Hans":
            assert "Noto Sans CJK SC" in fonts
        if locale != "en":
            assert line != "Scan to join your neighbours on Common Ground"
    # the fallback is in the reader's language, the command as it must be typed
    fallback = i18n.translations("fr").gettext(poster.FALLBACK).format(bot="CommonGroundBot")
    assert fallback in texts
    assert f"/start {CODE}" in texts


def test_arabic_keeps_its_left_to_right_mark_so_the_mention_is_not_reversed():
    texts = [t.get_text() for t in drawn_texts(locale="ar")]
    [fallback] = [t for t in texts if "@CommonGroundBot" in t]
    assert "\u200e@CommonGroundBot" in fallback
    cjk = font_manager.get_font(
        font_manager.findfont(font_manager.FontProperties(family="Noto Sans CJK SC"), False)
    )
    assert all(cjk.get_char_index(ord(c)) for c in "棕榈楼")


def test_the_buildings_name_is_drawn_as_written():
    name = "$5 Street & <Co> \\alpha"
    render("png", name)
    [text] = [t for t in drawn_texts(name) if "Street" in t.get_text()]
    assert text.get_text() == name
    assert text._preprocess_math(text.get_text()) == (name, False)  # no maths, no escaping


def test_the_file_is_named_after_the_building():
    assert poster.filename("Maple Court") == "poster-Maple-Court.pdf"
    assert poster.filename(NAME) == "poster-برج-النخيل-棕榈楼-Palm-Tower.pdf"
    assert poster.filename("../../etc/passwd") == "poster-etc-passwd.pdf"
    assert poster.filename("🏠") == "poster-building.pdf"


def test_without_the_fonts_a_chinese_name_gets_no_poster_of_boxes(monkeypatch):
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), False)
    dejavu = frozenset(font_manager.get_font(path).get_charmap())
    monkeypatch.setattr(charts, "installed_fonts", lambda: (("DejaVu Sans", dejavu),))
    with pytest.raises(charts.ChartUnavailable):
        poster.poster("棕榈楼", LINK, "CommonGroundBot", CODE, fmt="png")
    # a Latin name still gets its poster, without the lines no font can draw
    texts = [t.get_text() for t in drawn_texts("Maple Court")]
    assert "Scan to join your neighbours on Common Ground" in texts
    assert not any(re.search("[\u4e00-\u9fff]", t) for t in texts)  # no Chinese line
