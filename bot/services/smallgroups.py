"""Small groups stay hidden: the one function every count shown by building, tenure,
affordability or language goes through.

A count below ``k`` (``BOT_MIN_GROUP``, default 5) is never shown as its number. Hiding one
cell is not enough when the total is shown too: the total minus the other cells would give it
back (differencing). So when exactly one non-zero cell of a breakdown is hidden, the next
smallest cell is hidden with it. Views render a hidden cell exactly like an empty one
(``views.common.shown_count``: "–"), so a reader cannot tell a small group from no group.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

DEFAULT_MIN_GROUP = 5
PROTECTED = -1  # a cell hidden only so that a small one cannot be worked out from it


def hide_small(counts: Mapping[K, int], k: int = DEFAULT_MIN_GROUP) -> dict[K, int | None]:
    """``counts`` with every small cell replaced by None ("fewer than k"), and, when that
    alone would let a total give it away, the next smallest by :data:`PROTECTED` ("hidden");
    zeros stay zero (nobody is exposed by an empty group)."""
    shown: dict[K, int | None] = {key: (None if 0 < n < k else n) for key, n in counts.items()}
    hidden = [key for key, n in shown.items() if n is None]
    if len(hidden) == 1:
        others = sorted(
            (n, str(key), key) for key, n in counts.items() if key not in hidden and n > 0
        )
        if others:
            shown[others[0][2]] = PROTECTED
    return shown
