"""Every inline button's callback data, as a typed codec.

A button is a frozen dataclass registered under a family (``su``, ``mod``...) and a tag; its
fields are the values it carries. ``pack()`` gives ``"family:tag:value:..."`` (at most 64 bytes,
Telegram's limit, checked when packed); :func:`unpack` turns data back into the button, checking
the family, the tag, the number of values and each value's type (``int`` fields are read with
the one number parser; a field with ``choices`` in its metadata accepts only those). Anything
else is a :class:`~bot.services.problems.ButtonProblem`: an old or forged press grants nothing.

Handlers ``match`` on the button classes; ``bot.app`` derives each family's
``CallbackQueryHandler`` pattern with :func:`pattern`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, get_type_hints

from bot.config import SUPPORTED_LOCALES
from bot.services.moderation import REJECT_REASONS
from bot.services.numbers import parse_int
from bot.services.problems import ButtonProblem
from bot.services.signup import TENURES

MAX_BYTES = 64  # Telegram's limit for callback_data
SEPARATOR = ":"

# family -> (tag, number of values) -> class
_REGISTRY: dict[str, dict[tuple[str, int], type[Button]]] = {}


def choice(*values: str) -> Any:
    """A ``str`` field that accepts only ``values``."""
    return field(metadata={"choices": frozenset(values)})


@dataclass(frozen=True)
class Button:
    FAMILY: ClassVar[str] = ""
    TAG: ClassVar[str] = ""

    def __init_subclass__(cls, family: str = "", tag: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.FAMILY, cls.TAG = family, tag

    def pack(self) -> str:
        values = [str(getattr(self, f.name)) for f in fields(self)]
        if any(not v or SEPARATOR in v for v in values):
            raise ValueError(f"{self!r}: values must be non-empty and without {SEPARATOR!r}")
        data = SEPARATOR.join([self.FAMILY, *([self.TAG] if self.TAG else []), *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"{data!r} is longer than {MAX_BYTES} bytes")
        return data


def register(cls: type[Button]) -> type[Button]:
    """Class decorator: make ``cls`` a known button (after ``@dataclass`` has run)."""
    key = (cls.TAG, len(fields(cls)))
    family = _REGISTRY.setdefault(cls.FAMILY, {})
    assert key not in family, f"two buttons for {cls.FAMILY}:{key}"
    family[key] = cls
    return cls


def unpack(data: str | None) -> Button:
    """The button behind callback ``data``; raises ``ButtonProblem`` for anything else."""
    parts = (data or "").split(SEPARATOR)
    family = _REGISTRY.get(parts[0], {})
    cls = family.get((parts[1], len(parts) - 2)) if len(parts) > 1 else None
    values = parts[2:]
    if cls is None:  # an untagged family: every part after the family is a value
        cls, values = family.get(("", len(parts) - 1)), parts[1:]
    if cls is None:
        raise ButtonProblem(ButtonProblem.STALE)
    hints = get_type_hints(cls)
    converted: dict[str, Any] = {}
    for spec, raw in zip(fields(cls), values, strict=True):
        if hints[spec.name] is int:
            value: Any = parse_int(raw, max_digits=15)
        else:
            allowed = spec.metadata.get("choices")
            value = raw if raw and (allowed is None or raw in allowed) else None
        if value is None:
            raise ButtonProblem(ButtonProblem.STALE)
        converted[spec.name] = value
    return cls(**converted)


def pattern(family: str) -> str:
    """The ``CallbackQueryHandler`` pattern of a family."""
    return f"^{re.escape(family)}{SEPARATOR}"


def registered() -> dict[str, list[type[Button]]]:
    return {family: list(by_key.values()) for family, by_key in _REGISTRY.items()}


LOCALE = SUPPORTED_LOCALES


# --- language ---------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class LanguageMenu(Button, family="lang", tag="menu"):
    pass


@register
@dataclass(frozen=True)
class LanguageSet(Button, family="lang", tag="set"):
    locale: str = choice(*LOCALE)


# --- /forget ----------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class ForgetConfirm(Button, family="forget", tag="yes"):
    pass


@register
@dataclass(frozen=True)
class ForgetCancel(Button, family="forget", tag="no"):
    pass


# --- buildings --------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class BuildingArchive(Button, family="bld", tag="archive"):
    building_id: int


@register
@dataclass(frozen=True)
class BuildingCancel(Button, family="bld", tag="cancel"):
    pass


# --- sign-up ----------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class SignupJoin(Button, family="su", tag="join"):
    """ "Sign up for my building": the listed buildings."""


@register
@dataclass(frozen=True)
class SignupBuilding(Button, family="su", tag="bld"):
    """A listed building, chosen by someone without an invite."""

    building_id: int


@register
@dataclass(frozen=True)
class SignupInvited(Button, family="su", tag="grp"):
    """The invitation sent to someone declined at a building group's door (signed)."""

    building_id: int
    signature: str


@register
@dataclass(frozen=True)
class SignupLanguage(Button, family="su", tag="lang"):
    locale: str = choice(*LOCALE)


@register
@dataclass(frozen=True)
class SignupLanguages(Button, family="su", tag="langs"):
    pass


@register
@dataclass(frozen=True)
class SignupAgree(Button, family="su", tag="yes"):
    pass


@register
@dataclass(frozen=True)
class SignupDecline(Button, family="su", tag="no"):
    pass


@register
@dataclass(frozen=True)
class SignupUseName(Button, family="su", tag="name"):
    pass


@register
@dataclass(frozen=True)
class SignupTenure(Button, family="su", tag="ten"):
    tenure: str = choice(*TENURES)


@register
@dataclass(frozen=True)
class SignupBack(Button, family="su", tag="back"):
    pass


@register
@dataclass(frozen=True)
class SignupResume(Button, family="su", tag="resume"):
    pass


# --- /profile ---------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class ProfileEditName(Button, family="pf", tag="name"):
    pass


@register
@dataclass(frozen=True)
class ProfileEditUnit(Button, family="pf", tag="unit"):
    pass


@register
@dataclass(frozen=True)
class ProfileTenures(Button, family="pf", tag="ten"):
    pass


@register
@dataclass(frozen=True)
class ProfileTenure(Button, family="pf", tag="ten"):
    tenure: str = choice(*TENURES)


@register
@dataclass(frozen=True)
class ProfileLanguages(Button, family="pf", tag="lang"):
    pass


@register
@dataclass(frozen=True)
class ProfileCard(Button, family="pf", tag="card"):
    pass


# --- moderation -------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class Approve(Button, family="mod", tag="ok"):
    user_id: int


@register
@dataclass(frozen=True)
class RejectReasons(Button, family="mod", tag="no"):
    user_id: int


@register
@dataclass(frozen=True)
class Reject(Button, family="mod", tag="rj"):
    user_id: int
    reason: str = choice(*REJECT_REASONS)


@register
@dataclass(frozen=True)
class PendingCard(Button, family="mod", tag="back"):
    user_id: int


# --- pages of long lists ----------------------------------------------------------------------
@register
@dataclass(frozen=True)
class Page(Button, family="pg"):
    kind: str
    offset: int
    arg: int
