"""The one exception shape the services raise for requests that cannot be done.

Each feature's subclass declares its kinds as an enum, ``Kind``; the members are also reachable
as class attributes (``SignupProblem.BANNED``). ``detail`` carries a value worth showing (a name,
a limit). ``bot/views/problems.py`` holds the one table from kind to translated message, and
the ``@localized`` wrapper turns any problem a handler lets through into that message, so no
handler catches problems itself and no kind can fall through to a wrong answer.
"""

from __future__ import annotations

from enum import Enum
from typing import ClassVar


class Problem(Exception):
    Kind: ClassVar[type[Enum]]
    # Kinds that only mean "this button is old": answered with a quiet notice, not an alert.
    QUIET: ClassVar[frozenset[Enum]] = frozenset()
    # Problems a service handles itself and never shows (no message needed).
    internal: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for member in cls.Kind:
            setattr(cls, member.name, member)

    def __init__(self, kind: Enum, detail: str = "") -> None:
        if not isinstance(kind, self.Kind):
            raise TypeError(f"{type(self).__name__} has no kind {kind!r}")
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail

    @property
    def quiet(self) -> bool:
        return self.kind in self.QUIET


class ButtonProblem(Problem):
    """A press of a button that is no (longer a) button of ours: old, or forged."""

    class Kind(Enum):
        STALE = "stale"

    QUIET = frozenset({Kind.STALE})


def all_problem_types() -> list[type[Problem]]:
    """Every problem class the bot defines (imports the service modules first)."""
    import bot.services  # noqa: F401  (the services define them)

    found, queue = [], list(Problem.__subclasses__())
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue += cls.__subclasses__()
    return sorted(found, key=lambda c: c.__name__)
