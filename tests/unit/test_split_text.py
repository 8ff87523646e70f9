"""split_text (bot/services/text.py): long announcements become messages Telegram accepts, cut
where a reader would and never inside a word or a character."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.text import split_text, utf16_len

EXAMPLES = settings(max_examples=150, deadline=None, derandomize=True, database=None)

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # 11 UTF-16 units
CODER = "👩🏽\u200d💻"  # woman, skin tone, ZWJ, laptop: 7 units
THUMBS = "👍🏽"
FLAG = "🇺🇦"
HEART = "❤\ufe0f"
E_ACUTE = "e\u0301"  # decomposed: e and a combining acute accent


def rejoins(text: str, pieces: list[str]) -> bool:
    """The pieces are ``text`` in order, with only white space left out between them."""
    at = 0
    for piece in pieces:
        while at < len(text) and text[at].isspace():
            at += 1
        if not text.startswith(piece, at):
            return False
        at += len(piece)
    return text[at:].strip() == ""


def starts_inside_a_character(piece: str) -> bool:
    first = piece[0]
    return (
        unicodedata.combining(first) != 0
        or unicodedata.category(first).startswith("M")
        or "\udc00" <= first <= "\udfff"
        or first in ("\u200d", "\ufe0f")
        or 0x1F3FB <= ord(first) <= 0x1F3FF
    )


def check(text: str, limit: int, reserve: int = 0) -> list[str]:
    pieces = split_text(text, limit, reserve=reserve)
    assert all(0 < utf16_len(piece) <= limit - reserve for piece in pieces), pieces
    assert rejoins(text, pieces), pieces
    return pieces


# --- utf16_len ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [("", 0), ("a", 1), ("中", 1), ("😀", 2), (E_ACUTE, 2), (FAMILY, 11), ("\ud83d\ude00", 2)],
)
def test_utf16_len_counts_code_units(text, units):
    assert utf16_len(text) == units


# --- examples ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\n \t", "\u3000"])
def test_blank_text_gives_no_pieces(text):
    assert split_text(text, 10) == []


def test_text_within_the_limit_is_one_stripped_piece():
    assert split_text("  Water off on Tuesday.\n", 4096) == ["Water off on Tuesday."]
    assert split_text("x" * 10, 10) == ["x" * 10]


def test_reserve_leaves_room_for_a_header():
    assert split_text("x" * 10, 10, reserve=3) == ["x" * 7, "xxx"]
    pieces = check("word " * 200, 100, reserve=7)
    assert max(utf16_len(piece) for piece in pieces) <= 93


@pytest.mark.parametrize(("limit", "reserve"), [(1, 0), (10, 9), (10, -1), (0, 0)])
def test_no_room_for_a_character_is_refused(limit, reserve):
    with pytest.raises(ValueError, match="room"):
        split_text("text", limit, reserve=reserve)


def test_paragraph_break_preferred_over_line_break():
    first = "Meeting on Monday.\nBring your lease."
    second = "Repairs next.\nThe boiler. The lift."
    pieces = check(f"{first}\n\n{second}", 50)
    assert pieces == [first, second]


def test_blank_line_with_spaces_is_a_paragraph_break():
    pieces = check("Meeting on Monday at six.\n  \t\nRepairs next week. The boiler.", 40)
    assert pieces[0] == "Meeting on Monday at six."


def test_line_break_preferred_over_sentence_end():
    pieces = check("One. Two. Three. Four.\nFive. Six. Seven.", 30)
    assert pieces == ["One. Two. Three. Four.", "Five. Six. Seven."]


def test_sentence_end_preferred_over_other_spaces():
    pieces = check("The lift is broken again. We asked the office twice about it", 40)
    assert pieces[0] == "The lift is broken again."
    assert check("Is it fixed? Not yet, sadly not", 20)[0] == "Is it fixed?"
    assert check("Come along! Everyone is welcome", 20)[0] == "Come along!"


def test_a_short_heading_does_not_become_its_own_message():
    # The blank line after the title is too early: the cut goes to the last sentence that fits.
    body = "Rent goes up in May. The board meets in April. Come and ask. " * 3
    pieces = check(f"Rent\n\n{body}", 100)
    assert pieces[0].startswith("Rent\n\nRent goes up")
    assert pieces[0].endswith(".")


def test_spaces_only_when_nothing_better():
    pieces = check("alpha beta gamma delta epsilon zeta", 12)
    assert pieces == ["alpha beta", "gamma delta", "epsilon zeta"]


def test_non_breaking_space_is_not_a_cut():
    pieces = check("pay 1\u00a0200 rent now", 10)
    assert "1\u00a0200" in pieces[1] or "1\u00a0200" in pieces[0]


def test_long_url_is_cut_hard_and_whole():
    url = "https://example.org/" + "a" * 60 + "?b=c"
    pieces = check(f"See {url} today", 25)
    assert pieces == [
        "See",
        "https://example.org/",  # after its punctuation, in the second half of the piece
        "a" * 25,
        "a" * 25,
        "a" * 10 + "?b=c today",
    ]


def test_long_url_is_cut_after_its_punctuation_when_it_can():
    pieces = check("https://example.org/notices/2024/the-annual-general-meeting", 30)
    assert pieces[0] == "https://example.org/notices/"


def test_zwj_sequences_skin_tones_and_flags_stay_whole():
    for cluster, units in ((FAMILY, 11), (CODER, 7), (THUMBS, 4), (FLAG, 4), (HEART, 2)):
        pieces = check(cluster * 9, units * 2 + 1)
        assert all(piece == cluster * 2 for piece in pieces[:-1]), (cluster, pieces)
        assert pieces[-1] == cluster


def test_flags_cut_between_flags_not_inside_one():
    pieces = check("🇺🇦🇫🇷🇯🇵🇧🇷", 6)
    assert pieces == ["🇺🇦", "🇫🇷", "🇯🇵", "🇧🇷"]


def test_combining_accents_stay_on_their_letter():
    pieces = check(E_ACUTE * 10, 5)
    assert pieces == [E_ACUTE * 2] * 5
    assert not any(starts_inside_a_character(piece) for piece in pieces)


def test_arabic_is_cut_at_sentence_ends_and_keeps_its_marks():
    text = "مرحبا بكم في اجتماع السكان. سنناقش الإيجار والصيانة. الجميع مدعوون"
    pieces = check(text, 35)
    assert pieces[0] == "مرحبا بكم في اجتماع السكان."
    vowelled = "كَتَبَ" * 12  # letters with harakat (combining marks), no spaces
    pieces = check(vowelled, 10)
    assert not any(starts_inside_a_character(piece) for piece in pieces)


def test_arabic_question_mark_ends_a_sentence():
    pieces = check("هل أنت قادم؟ نعم سأكون هناك", 15)
    assert pieces[0] == "هل أنت قادم؟"


def test_chinese_without_spaces_is_cut_at_punctuation():
    text = "明天上午九点停水。请大家提前储水！有问题请联系楼长？谢谢合作。"
    pieces = check(text, 20)
    assert pieces == ["明天上午九点停水。请大家提前储水！", "有问题请联系楼长？谢谢合作。"]


def test_chinese_clause_comma_before_ideographs():
    pieces = check("明天上午九点到十一点，整栋楼停水请大家提前储水", 16)
    assert pieces[0] == "明天上午九点到十一点，"


def test_chinese_without_punctuation_is_cut_between_ideographs():
    text = "居民大会" * 10
    pieces = check(text, 16)
    assert [utf16_len(piece) for piece in pieces] == [16, 16, 8]


def test_cjk_extension_b_ideographs_are_not_split():
    text = "𠀀𠀁𠀂" * 5  # outside the BMP: two units each
    pieces = check(text, 7)
    assert all(utf16_len(piece) == 6 for piece in pieces[:-1])


def test_surrogate_pair_code_points_are_not_split():
    text = "\ud83d\ude00" * 5  # a str holding the two halves of 😀 as separate code points
    pieces = check(text, 5)
    assert pieces == ["\ud83d\ude00" * 2, "\ud83d\ude00" * 2, "\ud83d\ude00"]


def test_a_character_with_more_marks_than_fit_is_still_split():
    pieces = check("e" + "\u0301" * 10, 4)
    assert [utf16_len(piece) for piece in pieces] == [4, 4, 3]


# --- properties -------------------------------------------------------------------------------

any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=400)
limits = st.integers(min_value=2, max_value=80).flatmap(
    lambda limit: st.tuples(st.just(limit), st.integers(min_value=0, max_value=limit - 2))
)


@EXAMPLES
@given(any_text, limits)
def test_any_text_fits_and_rejoins(text, limit_reserve):
    limit, reserve = limit_reserve
    pieces = check(text, limit, reserve)
    assert all(piece == piece.strip() for piece in pieces)
    assert "".join("".join(piece.split()) for piece in pieces) == "".join(text.split())


letters = st.sampled_from("abcxyzéßжשمح中文字あア한")
marks = st.sampled_from("\u0301\u0308\u064e\u0650\u05b7\u093f\u20e3")
clusters = st.one_of(
    letters,
    st.tuples(letters, st.lists(marks, min_size=1, max_size=3)).map(lambda t: t[0] + "".join(t[1])),
    st.sampled_from([FAMILY, CODER, THUMBS, FLAG, HEART, "😀", "\ud83d\ude00", "𠀀"]),
    st.just("1\ufe0f\u20e3"),  # keycap one
    st.sampled_from([" ", "  ", "\n", "\n\n", ". ", "。", "，", "/", "-", "?", "\u00a0"]),
)
cluster_texts = st.lists(clusters, max_size=120).map("".join)
roomy_limits = st.integers(min_value=12, max_value=80)


@EXAMPLES
@given(cluster_texts, roomy_limits)
def test_no_piece_starts_inside_a_character(text, limit):
    pieces = check(text, limit)
    assert not any(starts_inside_a_character(piece) for piece in pieces), pieces
    assert not any(piece.endswith("\u200d") for piece in pieces), pieces
    assert not any("\ud800" <= piece[-1] <= "\udbff" for piece in pieces), pieces


word_chars = st.characters(exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"]).filter(
    lambda ch: not ch.isspace()
)
separators = st.sampled_from([" ", "  ", "\n", "\n\n", " \n "])


def fit(word: str, budget: int) -> str:
    while utf16_len(word) > budget:
        word = word[:-1]
    return word


@settings(EXAMPLES, max_examples=80)
@given(st.data(), st.integers(min_value=4, max_value=60))
def test_words_shorter_than_the_limit_are_never_cut(data, budget):
    word = st.text(word_chars, min_size=1, max_size=budget).map(lambda w: fit(w, budget))
    words = data.draw(st.lists(word, min_size=1, max_size=40))
    gaps = data.draw(st.lists(separators, min_size=len(words), max_size=len(words)))
    text = "".join(w + gap for w, gap in zip(words, gaps, strict=True))
    reserve = data.draw(st.integers(min_value=0, max_value=5))
    pieces = check(text, budget + reserve, reserve)
    assert [w for piece in pieces for w in piece.split()] == words
