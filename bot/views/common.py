"""Small pieces every view uses."""

from __future__ import annotations

import html


def esc(value: object) -> str:
    """Escape text that came from a user before it goes into an HTML message."""
    return html.escape(str(value), quote=False)
