"""Events as their authors and residents see them: the preview, the post with its answer
buttons and counts, the reminder, the notices of a change or a cancellation, and the lists.
Times arrive already written for the reader (``when``: ``clock.local_long``)."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, ngettext
from bot.storage.events import EventRow
from bot.views import buttons as b
from bot.views.common import esc

When = Callable[[str], str]

ANSWERS = {
    "going": N_("going"),
    "maybe": N_("maybe"),
    "no": N_("can't go"),
    "waitlist": N_("on the waitlist"),
}
EVENT_STATES = {
    "draft": N_("It is still a draft."),
    "published": N_("It has been published."),
    "cancelled": N_("It was cancelled."),
}


def number(event_id: int) -> str:
    return _("📅 Event #{id}").format(id=event_id)


def details(event: EventRow, when: When) -> str:
    """Title, time, place and capacity: the body every message about the event shares."""
    lines = [
        f"<b>{esc(event.title)}</b>",
        f"🕒 {when(event.starts_at)}",
        f"📍 {esc(event.place)}",
    ]
    if event.capacity is not None:
        lines.append(
            ngettext("👥 {count} place", "👥 {count} places", event.capacity).format(
                count=event.capacity
            )
        )
    return "\n".join(lines)


def counts_line(event: EventRow, counts: dict[str, int]) -> str:
    if event.capacity is None:
        return _("Going {going} · Maybe {maybe}").format(**counts)
    return _("Going {going} · Maybe {maybe} · Waitlist {waitlist}").format(**counts)


def post(event: EventRow, when: When, counts: dict[str, int]) -> str:
    return f"{number(event.id)}\n{details(event, when)}\n\n{counts_line(event, counts)}"


def post_keyboard(event_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=b.EvAnswer(event_id, answer).pack())
                for label, answer in (
                    (_("✅ Going"), "going"),
                    (_("🤔 Maybe"), "maybe"),
                    (_("❌ Can't go"), "no"),
                )
            ],
            [calendar_button(event_id)],
        ]
    )


def calendar_button(event_id: int, label: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label or _("📅 Add to calendar"), callback_data=b.EvCalendar(event_id).pack()
    )


def audience_text(event: EventRow, names: dict[int, str]) -> str:
    if event.buildings is None:
        return _("every building")
    return ", ".join(esc(names.get(i, str(i))) for i in event.buildings)


def preview(event: EventRow, when: When, names: dict[int, str]) -> tuple[str, InlineKeyboardMarkup]:
    text = (
        f"{number(event.id)}\n{details(event, when)}\n\n"
        + _("For: {audience}").format(audience=audience_text(event, names))
        + "\n\n"
        + _("This is a preview: residents get it when you publish it.")
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("📣 Publish"), callback_data=b.EvPublish(event.id).pack()),
                InlineKeyboardButton(_("Cancel"), callback_data=b.EvDiscard(event.id).pack()),
            ]
        ]
    )
    return text, keyboard


def published_text(event_id: int, sending: int) -> str:
    return ngettext(
        "Event #{id} is published: it goes to {count} resident.",
        "Event #{id} is published: it goes to {count} residents.",
        sending,
    ).format(id=event_id, count=sending)


def discarded_text(event_id: int) -> str:
    return _("Event #{id} was not published.").format(id=event_id)


def answered_text(answer: str, position: int | None) -> str:
    """The presser's answer, confirmed (a callback answer: plain text)."""
    if answer == "waitlist":
        return _("The event is full: you are number {position} on the waitlist.").format(
            position=position or "?"
        )
    return {
        "going": lambda: _("You are going. See you there!"),
        "maybe": lambda: _("Noted: maybe."),
        "no": lambda: _("Noted: you can't go."),
    }[answer]()


def promoted_notice(event: EventRow, when: When) -> tuple[str, InlineKeyboardMarkup]:
    text = _("🎉 A place is free: you are now going to {title}, {when}.").format(
        title=esc(event.title), when=when(event.starts_at)
    )
    return text, InlineKeyboardMarkup([[calendar_button(event.id)]])


def reminder(event: EventRow, when: When) -> tuple[str, InlineKeyboardMarkup]:
    text = _("⏰ Reminder") + f"\n{details(event, when)}"
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("❌ Can't come after all"), callback_data=b.EvCantCome(event.id).pack()
                )
            ],
            [calendar_button(event.id)],
        ]
    )
    return text, keyboard


def cancelled_notice(event: EventRow, when: When) -> tuple[str, InlineKeyboardMarkup]:
    text = _("❌ Event #{id} is cancelled: {title}, {when}.").format(
        id=event.id, title=esc(event.title), when=when(event.starts_at)
    )
    if event.cancel_reason:
        text += "\n" + _("Reason: {reason}").format(reason=esc(event.cancel_reason))
    return text, InlineKeyboardMarkup([[calendar_button(event.id)]])


def changed_notice(event: EventRow, when: When) -> tuple[str, InlineKeyboardMarkup]:
    text = _("✏️ Event #{id} has changed:").format(id=event.id) + f"\n{details(event, when)}"
    return text, InlineKeyboardMarkup([[calendar_button(event.id)]])


def cancel_done(event_id: int) -> str:
    return _("Event #{id} is cancelled. Everyone who answered will be told.").format(id=event_id)


def edit_done(event_id: int) -> str:
    return _("Event #{id} is saved. Everyone who answered will be told.").format(id=event_id)


def new_usage() -> str:
    return _(
        "Write the event in one line:\n"
        "<code>/newevent 2026-12-05 18:30 | Winter potluck | Community room | 40</code>\n"
        "Building numbers from /building list may come first, such as <code>2,5</code>; the "
        "number of places at the end is optional."
    )


def cancel_usage() -> str:
    return _("Write the event's number and a reason: <code>/cancelevent 4 the room is taken</code>")


def edit_usage() -> str:
    return _(
        "Write the event's number, what to change and the new value: "
        "<code>/editevent 4 when 2026-12-06 19:00</code> (or <code>title</code>, "
        "<code>place</code>, <code>capacity</code>)."
    )


def upcoming_text(events: list[EventRow], when: When) -> str:
    if not events:
        return _("No upcoming events yet.")
    lines = [_("Upcoming events:")]
    for event in events:
        lines.append(f"\n{number(event.id)}\n{details(event, when)}")
    return "\n".join(lines)


def upcoming_keyboard(events: list[EventRow]) -> InlineKeyboardMarkup | None:
    rows = [[calendar_button(e.id, f"📅 {e.title[:40]}")] for e in events[:10]]
    return InlineKeyboardMarkup(rows) if rows else None


def mine_text(answers: list[tuple[EventRow, str]], when: When) -> str:
    if not answers:
        return _("You have not answered any event yet. /events lists them.")
    lines = [_("Your events:")]
    for event, answer in answers:
        lines.append(f"\n{number(event.id)} · {_(ANSWERS[answer])}\n{details(event, when)}")
    return "\n".join(lines)


def mine_keyboard(answers: list[tuple[EventRow, str]]) -> InlineKeyboardMarkup | None:
    return upcoming_keyboard([event for event, _answer in answers])
