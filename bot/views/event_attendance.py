"""Events after the answer, as residents and stewards see them: the offer of a freed place,
"What I need to take part", "I was there", the follow-up, /attendance and /eventreport.
Times arrive already written for the reader (``when``); counts by group arrive already
through ``smallgroups.hide_small`` and are shown with ``shown_count``."""

from __future__ import annotations

from collections.abc import Callable

from babel.numbers import format_decimal, format_percent
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, current_locale, language_name, ngettext
from bot.services.event_attendance import Report
from bot.storage.events import EventRow
from bot.views import buttons as b
from bot.views.announce import AFFORDABILITY_LABELS, TENURE_LABELS
from bot.views.common import esc, note_if_hidden, shown_count
from bot.views.events import ANSWERS, number

When = Callable[[str], str]
REPORT_ROOM = 3800  # characters of /eventreport before the footnote (Telegram: 4,096)
PAGE_SIZE = 8  # residents per /attendance page (8 rows of buttons and the controls)

NEED_LABELS = {
    "interpret": N_("🗣 Interpretation into my language"),
    "childcare": N_("🧒 Childcare"),
    "stepfree": N_("♿ Step-free access"),
    "ride": N_("🚗 A ride"),
}
BREAKDOWNS = {
    "tenure": N_("<b>Attendance by tenure</b>"),
    "affordability": N_("<b>Attendance by kind of unit</b>"),
    "building": N_("<b>Attendance by building</b>"),
}


# ------------------------------------------------------------------------------ offers
def offer_notice(
    event: EventRow, when: When, offer_id: int, deadline: str
) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "🎟 A place is free for you at {title}, {when}. Do you want it? It waits for you "
        "until {deadline}; after that it goes to the next person on the waitlist."
    ).format(title=esc(event.title), when=when(event.starts_at), deadline=when(deadline))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✅ Yes, I'll come"), callback_data=b.EvOffer(offer_id, "yes").pack()
                ),
                InlineKeyboardButton(
                    _("No thanks"), callback_data=b.EvOffer(offer_id, "no").pack()
                ),
            ]
        ]
    )
    return text, keyboard


def offer_answered(state: str) -> str:
    if state == "accepted":
        return _("You are going. See you there!")
    return _("Noted: the place goes to the next person.")


# ------------------------------------------------------------------------------ needs
def needs_text(event: EventRow) -> str:
    return _(
        "What do you need to take part in {title}? Tap what would help, tap again to take it "
        "away. Stewards see only how many people need each thing, never who, unless you say "
        "they may contact you."
    ).format(title=esc(event.title))


def needs_keyboard(event_id: int, chosen: set[str], contact: bool) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if need in chosen else "") + _(label),
                callback_data=b.EvNeed(event_id, need).pack(),
            )
        ]
        for need, label in NEED_LABELS.items()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                ("✅ " if contact else "") + _("📞 You may contact me about these"),
                callback_data=b.EvNeedContact(event_id, "yes").pack(),
            ),
            InlineKeyboardButton(
                ("✅ " if not contact else "") + _("🔒 Don't contact me"),
                callback_data=b.EvNeedContact(event_id, "no").pack(),
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)


def needs_saved() -> str:
    return _("Saved.")


# ------------------------------------------------------------------------------ after the start
def there_notice(event: EventRow, when: When) -> tuple[str, InlineKeyboardMarkup]:
    text = _("👋 {title}, {when}: were you there? Tap the button to tell the stewards.").format(
        title=esc(event.title), when=when(event.starts_at)
    )
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("🙋 I was there"), callback_data=b.EvThere(event.id).pack())]]
    )
    return text, keyboard


def there_done() -> str:
    return _("Thank you: you were there.")


def follow_up(event: EventRow, when: When) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "How was {title}? Tap 1 to 5 (5 is the best); you may also write a short comment. "
        "Your answer is kept without your name."
    ).format(title=esc(event.title))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(str(n), callback_data=b.EvRate(event.id, str(n)).pack())
                for n in range(1, 6)
            ],
            [
                InlineKeyboardButton(
                    _("✍️ Write a comment"), callback_data=b.EvComment(event.id).pack()
                )
            ],
        ]
    )
    return text, keyboard


def rated() -> str:
    return _("Thank you for your answer.")


def comment_prompt(limit: int) -> str:
    return _("Write your comment in one message, at most {max} characters.").format(max=limit)


def comment_saved() -> str:
    return _("Thank you: your comment is kept without your name.")


# ------------------------------------------------------------------------------ /attendance
def attendance_usage() -> str:
    return _("Write the event's number: <code>/attendance 4</code>")


def attendance_text(event: EventRow, when: When, rows: list[dict], total: int, offset: int) -> str:
    present = sum(1 for r in rows if r["present"])
    lines = [
        number(event.id),
        f"<b>{esc(event.title)}</b>, {when(event.starts_at)}",
        "",
        _("Tap a name to mark that person present (✅) or not."),
    ]
    if not total:
        lines.append(_("Nobody said Going or Maybe."))
    else:
        lines.append(
            _("Residents {first} to {last} of {total}; present on this page: {present}.").format(
                first=offset + 1, last=offset + len(rows), total=total, present=present
            )
        )
    return "\n".join(lines)


def attendance_keyboard(
    event_id: int, rows: list[dict], total: int, offset: int
) -> InlineKeyboardMarkup:
    buttons = [
        [
            InlineKeyboardButton(
                f"{'✅' if r['present'] else '▫️'} {r['name'][:40]} · {_(ANSWERS[r['answer']])}",
                callback_data=b.EvAttend(event_id, r["user_id"], offset).pack(),
            )
        ]
        for r in rows
    ]
    paging = []
    if offset > 0:
        back = b.EvAttendPage(event_id, max(0, offset - PAGE_SIZE)).pack()
        paging.append(InlineKeyboardButton(_("◀️ Previous"), callback_data=back))
    if offset + PAGE_SIZE < total:
        following = b.EvAttendPage(event_id, offset + PAGE_SIZE).pack()
        paging.append(InlineKeyboardButton(_("Next ▶️"), callback_data=following))
    if paging:
        buttons.append(paging)
    buttons.append(
        [
            InlineKeyboardButton(
                _("✅ Everyone who said Going"),
                callback_data=b.EvAttendAll(event_id, offset).pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(buttons)


def marked_all(count: int) -> str:
    return ngettext(
        "{count} resident marked present.", "{count} residents marked present.", count
    ).format(count=count)


# ------------------------------------------------------------------------------ /eventreport
def report_usage() -> str:
    return _("Write the event's number: <code>/eventreport 4</code>")


def _cells(shown: dict, labels: Callable[[str], str], k: int) -> list[str]:
    return [f"• {labels(key)}: {shown_count(n, k)}" for key, n in shown.items()]


def report_text(report: Report, when: When, min_group: int) -> str:
    event, locale = report.event, current_locale()
    a = report.answers
    lines = [
        _("<b>Report on event #{id}</b>").format(id=event.id),
        f"<b>{esc(event.title)}</b>, {when(event.starts_at)}",
        _("Answers: Going {going} · Maybe {maybe} · Can't go {no} · Waitlist {waitlist}").format(
            **a
        ),
    ]
    if report.started:
        lines.append(_("Present: {count}").format(count=report.present))
        if a["going"]:
            lines.append(
                _("No-shows: {count} of {going} who said Going ({rate})").format(
                    count=report.no_shows,
                    going=a["going"],
                    rate=format_percent(report.no_shows / a["going"], locale=locale),
                )
            )
    else:
        lines.append(_("The event has not started yet: attendance comes after the start."))
    lines += ["", _("<b>What people going need to take part</b>")]
    lines += _cells(report.needs, lambda n: _(NEED_LABELS[n]), min_group)
    if any(report.languages.values()):
        lines += ["", _("<b>Interpretation, by language</b>")]
        lines += _cells(
            report.languages,
            lambda loc: language_name(loc) if loc in b.LOCALE else "?",
            min_group,
        )
    if report.contacts:
        lines += ["", _("<b>Who said you may contact them</b>")]
        for need, names in report.contacts.items():
            lines.append(f"• {_(NEED_LABELS[need])}: {', '.join(esc(n) for n in names)}")
    if report.started:
        for key, breakdown in report.groups.items():
            title = BREAKDOWNS.get(key)
            if title is None:
                continue
            named = {"tenure": TENURE_LABELS, "affordability": AFFORDABILITY_LABELS}.get(key)
            labels = (lambda t, named=named: _(named[t])) if named else esc
            lines += ["", _(title)]
            lines += _cells(breakdown.shown, labels, min_group)
    lines += ["", _("<b>Follow-up</b>")]
    if report.ratings:
        lines.append(
            ngettext(
                "{count} answer, {mean} out of 5 on average",
                "{count} answers, {mean} out of 5 on average",
                report.ratings,
            ).format(
                count=report.ratings,
                mean=format_decimal(round(report.mean, 1), locale=locale),
            )
        )
    else:
        lines.append(_("No answers yet."))
    room = REPORT_ROOM - sum(len(line) + 1 for line in lines)
    for comment in report.comments:  # as many as fit in one message, oldest first
        line = f"💬 {esc(comment)}"
        if len(line) + 1 > room:
            lines.append("…")
            break
        lines.append(line)
        room -= len(line) + 1
    return "\n".join(note_if_hidden(lines, min_group))
