"""Organisers' own surveys: what a definition is, and reading one from a YAML or JSON file.

A definition has a name (a slug, for ``/survey open <name>``), the language its texts are
written in (``language``, English unless given: every text must exist in it, the other
languages are optional and fall back to it), a title, and 1 to 10 questions:

- ``choice``: 2 to 10 options, one is chosen;
- ``likert``: the 1-5 scale of the built-in survey;
- ``text``: a short typed answer, shown to organisers without names and only when at least
  k residents answered that question.

:func:`parse` reads a file (JSON parses as YAML too) into a :class:`Definition`, or returns
up to :data:`MAX_ERRORS` :class:`FileError` with line numbers (from ``yaml.compose`` node
marks), never raising for bad input. Scalars are read as text, so ``yes`` or ``5`` stay
what the author wrote.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import yaml

from bot.i18n import LOCALES

KINDS = ("choice", "likert", "text")
MAX_QUESTIONS = 10
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_FILE = 64 * 1024
MAX_ERRORS = 5
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,29}$")
TITLE_MAX = 100
QUESTION_MAX = 300
OPTION_MAX = 40  # a button's label on a small screen
ANSWER_MAX = 500  # a typed answer
BUILT_IN = frozenset({"agency"})
RESERVED = BUILT_IN | {"list", "open", "close", "results", "new"}

TOP_KEYS = ("name", "language", "title", "questions")
QUESTION_KEYS = ("kind", "text", "options")


@dataclass(frozen=True)
class Question:
    kind: str
    text: dict[str, str]  # locale -> text (the definition's language always present)
    options: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Definition:
    name: str
    language: str
    title: dict[str, str]
    questions: tuple[Question, ...]

    @property
    def languages(self) -> list[str]:
        """Every language the whole survey is written in (the definition's own first)."""
        found = [self.language]
        for locale in LOCALES:
            if locale == self.language:
                continue
            texts = [self.title] + [q.text for q in self.questions]
            texts += [o for q in self.questions for o in q.options]
            if all(locale in t for t in texts):
                found.append(locale)
        return found

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "language": self.language,
            "title": self.title,
            "questions": [
                {"kind": q.kind, "text": q.text, "options": list(q.options)} for q in self.questions
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Definition:
        return cls(
            name=data["name"],
            language=data["language"],
            title=dict(data["title"]),
            questions=tuple(
                Question(q["kind"], dict(q["text"]), tuple(dict(o) for o in q.get("options", ())))
                for q in data["questions"]
            ),
        )


def pick(texts: dict[str, str], locale: str, fallback: str) -> str:
    """The text in ``locale``, else in the definition's language."""
    return texts.get(locale) or texts.get(fallback) or next(iter(texts.values()), "")


@dataclass(frozen=True)
class FileError:
    """One thing wrong with a file: ``code`` names the message (``views/surveys.py``),
    ``line`` is 1-based (0: the file as a whole), ``values`` fill the message."""

    code: str
    line: int = 0
    values: dict[str, str | int] = field(default_factory=dict)


class _Errors(Exception):
    pass


class _Reader:
    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.errors: list[FileError] = []

    def err(self, code: str, node: yaml.Node | None, **values: str | int) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        self.errors.append(FileError(code, line, values))

    def mapping(self, node: yaml.Node, allowed: tuple[str, ...]) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            return None
        out: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
            if key not in allowed:
                self.err("unknown_key", key_node, key=str(key)[:30], keys=", ".join(allowed))
            elif key in out:
                self.err("twice", key_node, key=key)
            else:
                out[key] = value
        return out

    @staticmethod
    def scalar(node: yaml.Node | None) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
            return node.value.strip()
        return None

    def texts(self, node: yaml.Node, language: str, limit: int) -> dict[str, str] | None:
        """A text: a plain string (in the definition's language), or one per language."""
        plain = self.scalar(node)
        if plain is not None:
            out = {language: plain} if plain else {}
        elif isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value in node.value:
                locale = self.scalar(key_node) or ""
                if locale not in LOCALES:
                    self.err("bad_language", key_node, given=locale[:20])
                    continue
                text = self.scalar(value)
                if text is None:
                    self.err("not_text", value)
                    continue
                if text:
                    out[locale] = text
        else:
            self.err("not_text", node)
            return None
        if any(len(text) > limit for text in out.values()):
            self.err("too_long", node, limit=limit)
        if language not in out:
            self.err("missing_language", node, language=language)
            return None
        return out

    def read(self, root: yaml.Node | None) -> Definition | None:
        if root is None:
            self.err("empty", None)
            return None
        top = self.mapping(root, TOP_KEYS)
        if top is None:
            self.err("not_a_survey", root)
            return None
        for key in ("name", "title", "questions"):
            if key not in top:
                self.err("missing_key", root, key=key)
        name = self.scalar(top.get("name"))
        if "name" in top:
            if name is None or not NAME_RE.match(name):
                self.err("bad_name", top["name"])
            elif name in RESERVED:
                self.err("reserved_name", top["name"], name=name)
            elif name in self.taken:
                self.err("name_taken", top["name"], name=name)
        language = "en"
        if "language" in top:
            language = self.scalar(top["language"]) or ""
            if language not in LOCALES:
                self.err("bad_language", top["language"], given=language[:20])
                language = "en"
        title = self.texts(top["title"], language, TITLE_MAX) if "title" in top else None
        questions = self.questions(top.get("questions"), language)
        if self.errors or name is None or title is None or questions is None:
            return None
        return Definition(name, language, title, tuple(questions))

    def questions(self, node: yaml.Node | None, language: str) -> list[Question] | None:
        if node is None:
            return None
        if not isinstance(node, yaml.SequenceNode):
            self.err("not_a_list", node)
            return None
        if not 1 <= len(node.value) <= MAX_QUESTIONS:
            self.err("question_count", node, max=MAX_QUESTIONS)
            return None
        out = []
        for item in node.value:
            question = self.question(item, language)
            if question is not None:
                out.append(question)
        return out if len(out) == len(node.value) else None

    def question(self, node: yaml.Node, language: str) -> Question | None:
        fields = self.mapping(node, QUESTION_KEYS)
        if fields is None:
            self.err("not_a_question", node)
            return None
        kind = self.scalar(fields.get("kind"))
        if "kind" not in fields:
            self.err("missing_key", node, key="kind")
        elif kind not in KINDS:
            self.err("bad_kind", fields["kind"])
        text = None
        if "text" not in fields:
            self.err("missing_key", node, key="text")
        else:
            text = self.texts(fields["text"], language, QUESTION_MAX)
        options: list[dict[str, str]] = []
        if kind == "choice":
            listed = fields.get("options")
            if not isinstance(listed, yaml.SequenceNode):
                self.err("option_count", listed or node, min=MIN_OPTIONS, max=MAX_OPTIONS)
                return None
            if not MIN_OPTIONS <= len(listed.value) <= MAX_OPTIONS:
                self.err("option_count", listed, min=MIN_OPTIONS, max=MAX_OPTIONS)
                return None
            for option in listed.value:
                read = self.texts(option, language, OPTION_MAX)
                if read is not None:
                    options.append(read)
            if len(options) != len(listed.value):
                return None
            if len({o[language] for o in options}) != len(options):
                self.err("same_options", listed)
                return None
        elif "options" in fields and kind in KINDS:
            self.err("no_options", fields["options"])
        if kind not in KINDS or text is None:
            return None
        return Question(kind, text, tuple(options))


def _syntax_line(exc: Exception) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else 0


def parse(data: bytes, *, taken: set[str] = frozenset(), json_file: bool = False):
    """A file's bytes -> (:class:`Definition` or None, errors). ``taken``: names in use."""
    if len(data) > MAX_FILE:
        return None, [FileError("too_big", 0, {"size": MAX_FILE // 1024})]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [FileError("not_utf8", line)]
    if json_file:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return None, [FileError("bad_json", exc.lineno)]
        text = text.replace("\t", " ")  # valid JSON has tabs only between tokens
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return None, [FileError("bad_yaml", _syntax_line(exc))]
    reader = _Reader(set(taken))
    definition = reader.read(root)
    errors = sorted(reader.errors, key=lambda e: e.line)
    return (None if errors else definition), errors


def slug(title: str, taken: set[str]) -> str:
    """A name for ``/survey open`` from a typed title (``Repairs in Maple`` ->
    ``repairs-in-maple``); ``survey``, ``survey-2``... when nothing ASCII is left."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:30].strip("-")
    if len(base) < 2 or base in RESERVED:
        base = "survey"
    name, n = base, 1
    while name in taken or name in RESERVED:
        n += 1
        name = f"{base[: 30 - len(str(n)) - 1]}-{n}"
    return name
