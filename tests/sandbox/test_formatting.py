"""Telegram-HTML / MarkdownV2 parsing used by the sandbox's validation."""

from __future__ import annotations

import pytest

from bot.sandbox.formatting import ParseError, parse_html, parse_markdown_v2, strip_text, utf16_len


def test_html_entities_and_offsets() -> None:
    text, entities = parse_html(
        '<b>Hi</b> &lt;you&gt; <a href="https://x.org/?a=1&amp;b=2">link</a>'
    )
    assert text == "Hi <you> link"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "text_link", "offset": 9, "length": 4, "url": "https://x.org/?a=1&b=2"},
    ]


def test_html_offsets_are_utf16() -> None:
    text, entities = parse_html("😀 <i>é</i> &#128512;&#x41;")
    assert text == "😀 é 😀A"
    assert entities == [{"type": "italic", "offset": 3, "length": 1}]
    assert utf16_len(text) == 8


@pytest.mark.parametrize(
    "html",
    [
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
        '<pre><code class="language-python">x = 1</code></pre>',
        "<blockquote expandable>q</blockquote><s>a</s><del>b</del><strike>c</strike>",
        "<u>u</u><ins>i</ins><em>e</em><strong>s</strong><code>c</code>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        '<a href="tg://user?id=42">Sam</a>',
        "5 > 3",
    ],
)
def test_html_supported(html: str) -> None:
    parse_html(html)


def test_html_entity_kinds() -> None:
    _, ents = parse_html('<pre><code class="language-python">x</code></pre>')
    assert {"type": "pre", "offset": 0, "length": 1, "language": "python"} in ents
    _, ents = parse_html("<blockquote expandable>q</blockquote>")
    assert ents[0]["type"] == "expandable_blockquote"
    _, ents = parse_html('<a href="tg://user?id=42">Sam</a>')
    assert ents[0]["type"] == "text_mention" and ents[0]["user"]["id"] == 42


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<br>", 'Unsupported start tag "br"'),
        ("Tom & Jerry", 'Character "&" at byte offset 4'),
        ("&nbsp;", 'Character "&"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
        ('<a href="x>y</a>', "Unclosed start tag"),
    ],
)
def test_html_errors(html: str, fragment: str) -> None:
    with pytest.raises(ParseError, match=None) as info:
        parse_html(html)
    assert fragment in str(info.value)


def test_markdown_v2() -> None:
    assert parse_markdown_v2(r"*bold* and \. `a.b`")[0] == "bold and . a.b"
    with pytest.raises(ParseError, match=r"Character '\.' is reserved"):
        parse_markdown_v2("Hello.")


def test_strip_text_shifts_entities() -> None:
    text, ents = strip_text("  ab  ", [{"type": "bold", "offset": 1, "length": 3}])
    assert text == "ab"
    assert ents == [{"type": "bold", "offset": 0, "length": 2}]
