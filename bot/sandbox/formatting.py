"""Telegram-style text formatting: HTML / MarkdownV2 parsing into plain text + entities.

Pure functions, no third-party imports. Offsets and lengths of entities are in UTF-16
code units, as in the real Bot API.
"""

from __future__ import annotations

import re

__all__ = ["ParseError", "parse_html", "parse_markdown_v2", "strip_text", "utf16_len"]


class ParseError(ValueError):
    """Raised with the text Telegram puts after "Bad Request: can't parse entities: "."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,8}|[a-zA-Z][a-zA-Z0-9]{0,15});")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at text[i] == "&"; return (char, end index) or None."""
    m = _ENTITY_RE.match(text, i)
    if not m:
        return None
    body = m.group(1)
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        except ValueError:
            return None
        if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), m.end()
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], m.end()
    return None


def _decode_attr_value(value: str) -> str:
    out = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_entity(value, i)
            if decoded:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def _parse_attrs(text: str, i: int, tag_start: int) -> tuple[dict[str, str], int]:
    """Parse attributes from text[i:] up to and including ">"; return (attrs, index after >)."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            raise ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}")
        if text[i] == ">":
            return attrs, i + 1
        m = _ATTR_NAME_RE.match(text, i)
        if not m:
            raise ParseError(
                f"Expected equal sign in declaration of an attribute of the tag at byte offset "
                f"{_byte_offset(text, tag_start)}"
            )
        name = m.group(0).lower()
        i = m.end()
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i < n and text[i] == "=":
            i += 1
            while i < n and text[i] in " \t\r\n":
                i += 1
            if i >= n:
                raise ParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}"
                )
            if text[i] in "\"'":
                quote = text[i]
                end = text.find(quote, i + 1)
                if end < 0:
                    raise ParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(text, tag_start)}"
                    )
                value = text[i + 1 : end]
                i = end + 1
            else:
                m = re.compile(r"[^\s>]+").match(text, i)
                value = m.group(0) if m else ""
                i = m.end() if m else i
            attrs[name] = _decode_attr_value(value)
        else:
            attrs[name] = ""


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML into (plain_text, entities). Raises ParseError like Telegram.

    Stricter than Telegram in one way: a bare "&" that does not start a valid entity is
    rejected (Telegram silently keeps it), because it almost always means the bot forgot to
    html-escape user-provided text, which breaks as soon as the text contains "<".
    """
    out: list[str] = []
    pos16 = 0  # current UTF-16 offset in the output
    stack: list[tuple[str, int, dict[str, str], int]] = []  # (tag, start16, attrs, text index)
    entities: list[dict] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                raise ParseError(
                    f'Character "&" at byte offset {_byte_offset(text, i)} must be escaped '
                    f'as "&amp;"'
                )
            out.append(decoded[0])
            pos16 += utf16_len(decoded[0])
            i = decoded[1]
            continue
        if ch == "<":
            if i + 1 < n and text[i + 1] == "/":
                m = _TAG_NAME_RE.match(text, i + 2)
                name = m.group(0).lower() if m else ""
                j = m.end() if m else i + 2
                while j < n and text[j] in " \t\r\n":
                    j += 1
                if j >= n or text[j] != ">":
                    raise ParseError(f"Unclosed end tag at byte offset {_byte_offset(text, i)}")
                if not stack:
                    raise ParseError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
                open_tag, start16, attrs, _ = stack.pop()
                if name != open_tag:
                    raise ParseError(
                        f"Unmatched end tag at byte offset {_byte_offset(text, i)}, expected "
                        f'"</{open_tag}>", found "</{name}>"'
                    )
                length = pos16 - start16
                if length > 0:
                    entities.append(_make_entity(open_tag, start16, length, attrs, stack))
                i = j + 1
                continue
            m = _TAG_NAME_RE.match(text, i + 1)
            name = m.group(0).lower() if m else ""
            if name not in _TAG_ENTITY:
                raise ParseError(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}'
                )
            assert m is not None
            attrs, j = _parse_attrs(text, m.end(), i)
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise ParseError('Tag "span" must have class "tg-spoiler"')
            if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
                raise ParseError('Custom emoji identifier must be specified in "emoji-id"')
            stack.append((name, pos16, attrs, i))
            i = j
            continue
        if ch == ">":
            # Telegram accepts a bare ">" but it is a common sign of broken markup; keep it.
            pass
        out.append(ch)
        pos16 += 2 if ord(ch) > 0xFFFF else 1
        i += 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _make_entity(tag: str, offset: int, length: int, attrs: dict[str, str], stack) -> dict:
    etype = _TAG_ENTITY[tag]
    entity: dict = {"type": etype, "offset": offset, "length": length}
    if tag == "a":
        href = attrs.get("href", "")
        m = re.match(r"tg://user\?id=(\d+)$", href)
        if m:
            entity = {
                "type": "text_mention",
                "offset": offset,
                "length": length,
                "user": {"id": int(m.group(1)), "is_bot": False, "first_name": ""},
            }
        else:
            entity["url"] = href
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    elif tag == "code" and stack and stack[-1][0] == "pre":
        cls = attrs.get("class", "")
        if cls.startswith("language-"):
            # Telegram turns <pre><code class="language-x"> into one pre entity with language
            entity = {"type": "pre", "offset": offset, "length": length, "language": cls[9:]}
    return entity


_MDV2_SPECIAL = set("_*[]()~`>#+-=|{}.!\\")
_MDV2_MARKUP = set("_*~|`")


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Approximate MarkdownV2: enforces escaping of reserved characters, strips markup.

    Entities are not reconstructed (an empty list is returned); the plain text is used for
    length checks and display only.
    """
    out: list[str] = []
    i = 0
    n = len(text)
    in_code = False
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            out.append(text[i + 1])
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
            i += 1
            continue
        if in_code:
            out.append(ch)
            i += 1
            continue
        if ch in _MDV2_MARKUP or ch in "[]()":
            i += 1
            continue
        if ch == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
            continue
        if ch in _MDV2_SPECIAL:
            raise ParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(ch)
        i += 1
    return "".join(out), []


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip leading/trailing whitespace like Telegram, shifting/clipping entities."""
    stripped_left = text.lstrip()
    lead = utf16_len(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip()
    total = utf16_len(result)
    fixed = []
    for ent in entities:
        start = max(ent["offset"] - lead, 0)
        end = min(ent["offset"] + ent["length"] - lead, total)
        if end > start:
            fixed.append({**ent, "offset": start, "length": end - start})
    return result, fixed
