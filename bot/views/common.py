"""Small pieces every view uses."""

from __future__ import annotations

import html

from bot.i18n import _


def esc(value: object) -> str:
    """Escape text that came from a user before it goes into an HTML message."""
    return html.escape(str(value), quote=False)


HIDDEN_MARK = "–"  # a cell that is empty, small, or hidden with a small one: all look alike


def shown_count(n: int | None, min_group: int) -> str:
    """One cell of a breakdown (by building, tenure, affordability, language...) as people see
    it, from ``services.smallgroups.hide_small``: a small group (None), a cell hidden so that a
    small one cannot be worked out (PROTECTED) and an empty one (0) all show the same mark,
    so none can be told from the others. :func:`hidden_note` explains the mark."""
    if n is None or n <= 0:
        return HIDDEN_MARK
    return str(n)


def shown_total(n: int | None, min_group: int) -> str:
    """A single total (not a cell of a breakdown): "fewer than k" when small, else the number."""
    if n is None or n < 0:
        return _("fewer than {k}").format(k=min_group)
    return str(n)


def hidden_note(min_group: int) -> str:
    """The line under any breakdown that shows :data:`HIDDEN_MARK`."""
    return _(
        "{mark} means none or too few to show: a group of fewer than {k} residents is never "
        "shown, nor a group that would let someone work it out."
    ).format(mark=HIDDEN_MARK, k=min_group)


def note_if_hidden(lines: list[str], min_group: int) -> list[str]:
    """``lines`` with :func:`hidden_note` added when any of them shows the mark."""
    if any(HIDDEN_MARK in line for line in lines):
        return [*lines, "", hidden_note(min_group)]
    return lines
