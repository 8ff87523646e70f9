"""Small pieces every view uses."""

from __future__ import annotations

import html

from bot.i18n import _


def esc(value: object) -> str:
    """Escape text that came from a user before it goes into an HTML message."""
    return html.escape(str(value), quote=False)


def shown_count(n: int | None, min_group: int) -> str:
    """A count as people see it: a small group (None, from ``services.smallgroups``) is
    "fewer than k", never its number."""
    if n is None:
        return _("fewer than {k}").format(k=min_group)
    return str(n)
