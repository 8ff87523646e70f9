"""Events as their authors and residents see them: the preview, the post with its answer
buttons and counts, the reminder, the notices of a change or a cancellation, and the lists.
Times arrive already written for the reader (``when``: ``clock.local_long``)."""

from __future__ import annotations

import calendar as month_days
from collections.abc import Callable
from datetime import date

from babel import Locale
from babel.core import get_global
from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, current_locale, ngettext
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
    lines += series_lines(event)
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


def series_changed_notice(events: list[EventRow], when: When) -> tuple[str, InlineKeyboardMarkup]:
    """Several dates of a series changed at once: one message, a line per date the reader
    answered, and one calendar file with every date to come."""
    first = events[0]
    text = ngettext(
        "✏️ {title}: {count} date has changed:",
        "✏️ {title}: {count} dates have changed:",
        len(events),
    ).format(title=esc(first.title), count=len(events))
    for event in events:
        text += "\n" + _("Event #{id}: {when} · 📍 {place}").format(
            id=event.id, when=when(event.starts_at), place=esc(event.place)
        )
    button = InlineKeyboardButton(
        _("📅 Add these dates to calendar"), callback_data=b.EvSeriesCalendar(first.id).pack()
    )
    return text, InlineKeyboardMarkup([[button]])


def edit_scope_question(
    event: EventRow, edit_id: int, when: When, earlier: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """/editevent on a date of a series: which dates? (``earlier``: dates before this one
    are still to come, so "every date" is a third choice)."""
    text = f"{number(event.id)}\n{details(event, when)}\n\n" + _(
        "This date is part of a series. Which dates should the change apply to?"
    )
    choices = [(_("Only this date"), "one"), (_("This date and the later ones"), "later")]
    if earlier:
        choices.append((_("Every date still to come"), "all"))
    return text, InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=b.EvEditScope(edit_id, scope).pack())]
            for label, scope in choices
        ]
    )


def series_edit_done(event_id: int, count: int) -> str:
    return ngettext(
        "Event #{id} is saved: {count} date changed. Everyone who answered will be told, in "
        "one message each.",
        "Event #{id} is saved: {count} dates changed. Everyone who answered will be told, in "
        "one message each.",
        count,
    ).format(id=event_id, count=count)


def edit_series_usage() -> str:
    return _(
        "For a series: <code>/editevent 4 series when 19:00</code> changes it and its later "
        "dates; <code>all</code> instead of <code>series</code> changes every date still to "
        "come. A time alone keeps each date's day."
    )


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


# ------------------------------------------------------------------------------ series (0016)
def dates_in_all(count: int) -> str:
    """Under a series' preview: how many events publishing it makes."""
    return ngettext("🗓 {count} date in all", "🗓 {count} dates in all", count).format(count=count)


def series_lines(event: EventRow) -> list[str]:
    """A description, and a series' rule (each occurrence is its own event)."""
    lines = []
    if event.description:
        lines.append(f"📝 {esc(event.description)}")
    if event.repeat and event.repeat_until:
        day = format_date(
            date.fromisoformat(event.repeat_until), format="long", locale=current_locale()
        )
        rule = (
            _("🔁 Every week until {date}")
            if event.repeat == "week"
            else _("🔁 Every month until {date}")
        )
        lines.append(rule.format(date=day))
    return lines


def series_published_text(more: int) -> str:
    return ngettext(
        "The series has {count} more date; each is posted when the one before it starts.",
        "The series has {count} more dates; each is posted when the one before it starts.",
        more,
    ).format(count=more)


def series_cancel_done(event_id: int, count: int) -> str:
    return ngettext(
        "Event #{id} and the later dates of its series are cancelled: {count} event in all. "
        "Everyone who answered will be told.",
        "Event #{id} and the later dates of its series are cancelled: {count} events in all. "
        "Everyone who answered will be told.",
        count,
    ).format(id=event_id, count=count)


def cancel_series_usage() -> str:
    return _(
        "To cancel it and every later date of its series: "
        "<code>/cancelevent 4 series the room is taken</code>"
    )


def cancelled_copy(event: EventRow, when: When) -> str:
    """A delivered post once its event is cancelled (its buttons are removed)."""
    return f"{number(event.id)}\n{details(event, when)}\n\n" + _("❌ Cancelled: {reason}").format(
        reason=esc(event.cancel_reason or "—")
    )


# ------------------------------------------------------------------------------ groups (0016)
def calendar_sent_privately() -> str:
    return _("I sent you the calendar file in a private chat.")


def open_private_chat_first() -> str:
    return _("Open a private chat with me first (press Start there), then try again.")


# ------------------------------------------------------------------------------ guided flow
FLOW_TIMES = [f"{h:02d}:{m:02d}" for h in range(9, 22) for m in (0, 30)][:-1]  # 09:00..21:00
FLOW_PLACES = (10, 20, 30, 50)


def _cancel_row(draft_id: int) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(_("✖ Cancel"), callback_data=b.EvFlowCancel(draft_id).pack())]


def flow_header(draft: dict, day_text: Callable[[str], str]) -> str:
    """``New event`` and what is chosen so far."""
    lines = [_("<b>New event</b>")]
    if draft.get("title"):
        lines.append(f"<b>{esc(draft['title'])}</b>")
    if draft.get("day"):
        at = f", {draft['time']}" if draft.get("time") else ""
        lines.append(f"🗓 {day_text(draft['day'])}{at}")
    if draft.get("place"):
        lines.append(f"📍 {esc(draft['place'])}")
    return "\n".join(lines)


def flow_audience(
    draft: dict, buildings: list, everyone_allowed: bool
) -> tuple[str, InlineKeyboardMarkup]:
    text = _("<b>New event</b>") + "\n" + _("Who is it for? Pick the buildings, then Next.")
    chosen = set(draft["buildings"] or ())
    rows = []
    if everyone_allowed:
        mark = "✅" if draft["buildings"] is None else "⬜"
        rows.append(
            [
                InlineKeyboardButton(
                    f"{mark} {_('Every building')}",
                    callback_data=b.EvFlowBuilding(draft["id"], 0).pack(),
                )
            ]
        )
    for building in buildings:
        mark = "✅" if building.id in chosen else "⬜"
        rows.append(
            [
                InlineKeyboardButton(
                    f"{mark} {building.name}",
                    callback_data=b.EvFlowBuilding(draft["id"], building.id).pack(),
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(_("Next ▶️"), callback_data=b.EvFlowNext(draft["id"]).pack()),
            *_cancel_row(draft["id"]),
        ]
    )
    return text, InlineKeyboardMarkup(rows)


def flow_title_prompt() -> str:
    return _("What is the event called? Write its title.")


def flow_place_prompt() -> str:
    return _("Where is it? Write the place.")


def flow_prompt_keyboard(draft_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_cancel_row(draft_id)])


def week_start(locale: str) -> int:
    """The first day of the week where the language is mostly spoken (0: Monday), from
    Babel's likely territory (en: Sunday, ar: Saturday, fr: Monday)."""
    likely = get_global("likely_subtags")
    name = likely.get(locale) or likely.get(locale.split("_")[0]) or locale
    try:
        return Locale.parse(name).first_week_day
    except (ValueError, LookupError):
        return 0


def _month_number(day: date) -> int:
    return day.year * 100 + day.month


def flow_calendar(
    draft_id: int, month: date, today: date, *, until: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """A month grid: ◀️ ▶️ between months (never before this one), the day names in the
    reader's language from the locale's first day of the week; past days are not choosable."""
    locale = current_locale()
    first = week_start(locale)
    names = Locale.parse(locale).days["stand-alone"]["short"]
    noop = b.EvFlowNoop(draft_id).pack()
    earlier = date(month.year - (month.month == 1), month.month - 1 or 12, 1)
    later = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    back = month > today.replace(day=1)
    rows = [
        [
            InlineKeyboardButton(
                "◀️" if back else " ",
                callback_data=b.EvFlowMonth(draft_id, _month_number(earlier)).pack()
                if back
                else noop,
            ),
            InlineKeyboardButton(format_date(month, "LLLL y", locale=locale), callback_data=noop),
            InlineKeyboardButton(
                "▶️", callback_data=b.EvFlowMonth(draft_id, _month_number(later)).pack()
            ),
        ],
        [InlineKeyboardButton(names[(first + i) % 7], callback_data=noop) for i in range(7)],
    ]
    weeks = month_days.Calendar(firstweekday=first).monthdatescalendar(month.year, month.month)
    for week in weeks:
        row = []
        for day in week:
            if day.month != month.month:
                row.append(InlineKeyboardButton(" ", callback_data=noop))
            elif day < today:
                row.append(InlineKeyboardButton("·", callback_data=noop))
            else:
                stamp = day.year * 10000 + day.month * 100 + day.day
                data = b.EvFlowDay(draft_id, stamp).pack()
                row.append(InlineKeyboardButton(str(day.day), callback_data=data))
        rows.append(row)
    rows.append(_cancel_row(draft_id))
    text = (
        _("Until which day does it repeat? Pick the last day.")
        if until
        else _("Which day? Pick it in the calendar.")
    )
    return text, InlineKeyboardMarkup(rows)


def flow_past_day() -> str:
    return _("Pick a day from today on.")


def flow_times(draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        InlineKeyboardButton(
            hhmm, callback_data=b.EvFlowTime(draft_id, int(hhmm.replace(":", ""))).pack()
        )
        for hhmm in FLOW_TIMES
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows.append(_cancel_row(draft_id))
    text = _("At what time? Pick one, or write it like <code>18:30</code>.")
    return text, InlineKeyboardMarkup(rows)


def flow_places(draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    numbers = [
        InlineKeyboardButton(str(n), callback_data=b.EvFlowPlaces(draft_id, n).pack())
        for n in FLOW_PLACES
    ]
    none = InlineKeyboardButton(_("No limit"), callback_data=b.EvFlowPlaces(draft_id, 0).pack())
    rows = [[none, *numbers], _cancel_row(draft_id)]
    return _("How many places are there? Pick a number, or write it."), InlineKeyboardMarkup(rows)


def flow_repeat(draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    choices = (
        (_("Only once"), "once"),
        (_("🔁 Every week"), "week"),
        (_("🔁 Every month"), "month"),
    )
    rows = [
        [
            InlineKeyboardButton(label, callback_data=b.EvFlowRepeat(draft_id, every).pack())
            for label, every in choices
        ],
        _cancel_row(draft_id),
    ]
    return _("Does it repeat?"), InlineKeyboardMarkup(rows)


def flow_description(draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [InlineKeyboardButton(_("Skip ▶️"), callback_data=b.EvFlowSkip(draft_id).pack())],
        _cancel_row(draft_id),
    ]
    return _("Add a description if you like: write it, or skip."), InlineKeyboardMarkup(rows)


def flow_dropped() -> str:
    return _("The new event was dropped.")
