"""Quick polls as their authors see them: the guided steps, the preview (audience, languages,
how many it reaches), the list, and the results as text bars with their breakdowns.

Residents see no view of ours: they get Telegram's own poll, in their language."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta

from babel.dates import format_timedelta
from babel.numbers import format_percent
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import N_, _, language_name
from bot.services.polls import MAX_OPTIONS, MIN_OPTIONS, QUESTION_MAX, Coverage, Results
from bot.storage.buildings import Building
from bot.storage.polls import PollRow, PollText
from bot.views import buttons as b
from bot.views import charts
from bot.views.announce import (
    AFFORDABILITY_LABELS,
    TENURE_LABELS,
    audience_hint,
    audience_rows,
    audience_text,
    people,
)
from bot.views.common import esc, note_if_hidden, shown_count

When = Callable[[str], str]

BAR_CELLS = 10
STATES = {
    "draft": N_("draft"),
    "open": N_("open"),
    "closed": N_("closed"),
    "cancelled": N_("cancelled before sending"),
}
BREAKDOWN_LABELS = {
    "building": N_("By building"),
    "tenure": N_("By tenure"),
    "affordability": N_("By kind of unit"),
    "language": N_("By language"),
}
BREAKDOWN_BUTTONS = {
    "building": N_("🏢 Building"),
    "tenure": N_("🏠 Tenure"),
    "affordability": N_("💶 Kind of unit"),
    "language": N_("🌐 Language"),
}


def _title(poll: PollRow) -> str:
    return _("<b>Poll #{id}</b> ({state})").format(id=poll.id, state=_(STATES[poll.state]))


def duration(seconds: int) -> str:
    return format_timedelta(timedelta(seconds=seconds), locale=i18n.current_locale(), threshold=1.1)


# ---------------------------------------------------------------------------- guided steps
def question_prompt() -> str:
    return _(
        "<b>New poll</b>\nWrite the question residents should answer (at most {max} "
        "characters).\n\nTip: <code>/poll Bins on Monday or Tuesday? | Monday | Tuesday</code> "
        "does it in one line."
    ).format(max=QUESTION_MAX)


def options_prompt(question: str) -> str:
    return f"<blockquote>{esc(question)}</blockquote>\n" + _(
        "Now the answers to choose from, one per line (from {min} to {max})."
    ).format(min=MIN_OPTIONS, max=MAX_OPTIONS)


# ---------------------------------------------------------------------------- the preview
def closes_text(poll: PollRow, when: When) -> str:
    if poll.close_at is not None:
        return _("Closes on {time}.").format(time=when(poll.close_at))
    if poll.close_after:
        return _("Closes {duration} after it is sent.").format(duration=duration(poll.close_after))
    return _("Closes when you close it (/closepoll {id}).").format(id=poll.id)


def _question_lines(question: str, options: list[str]) -> list[str]:
    return [f"<blockquote>{esc(question)}</blockquote>"] + [
        f"{i}. {esc(o)}" for i, o in enumerate(options, 1)
    ]


def card(
    poll: PollRow,
    coverage: Coverage,
    texts: dict[str, PollText],
    buildings: dict[int, str],
    *,
    min_group: int,
    when: When,
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        _title(poll),
        _("To: {audience}").format(audience=audience_text(poll.audience, buildings)),
        "",
        *_question_lines(poll.question, poll.options),
        "",
        _("Several answers allowed.") if poll.multi else _("One answer each."),
        closes_text(poll, when),
        "",
        _("<b>Languages</b>"),
    ]
    for locale, n in coverage.by_locale.items():
        how_many = shown_count(n, min_group)
        if locale in coverage.written:
            line = _("{language}: {count} ✓").format(language=language_name(locale), count=how_many)
        else:
            line = _("{language}: missing, {count} will get {source}").format(
                language=language_name(locale),
                count=how_many,
                source=language_name(poll.source_locale, in_sentence=True),
            )
        lines.append("• " + line)
    if not coverage.by_locale:
        lines.append(_("Nobody in this audience yet."))
    lines += [
        "",
        _("It will go to {people}.").format(people=people(coverage.shown_total, min_group)),
    ]
    return "\n".join(lines), card_keyboard(poll)


def card_keyboard(poll: PollRow) -> InlineKeyboardMarkup:
    if poll.state != "draft":
        return InlineKeyboardMarkup([])
    closes = (
        _("⏱ Closes: at a set time")
        if poll.close_at
        else _("⏱ Closes: after {duration}").format(duration=duration(poll.close_after))
        if poll.close_after
        else _("⏱ Closes: when I close it")
    )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("☑️ Several answers: yes") if poll.multi else _("Several answers: no"),
                    callback_data=b.PollMulti(poll.id).pack(),
                ),
                InlineKeyboardButton(closes, callback_data=b.PollCloses(poll.id).pack()),
            ],
            [
                InlineKeyboardButton(
                    _("👥 Audience"), callback_data=b.PollAudience(poll.id).pack()
                ),
                InlineKeyboardButton(
                    _("🌐 Add a language"), callback_data=b.PollLanguages(poll.id).pack()
                ),
            ],
            [
                InlineKeyboardButton(
                    _("📊 Send the poll"), callback_data=b.PollSend(poll.id).pack()
                ),
                InlineKeyboardButton(_("✖ Cancel"), callback_data=b.PollCancel(poll.id).pack()),
            ],
        ]
    )


def back_keyboard(poll_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("◀️ Back"), callback_data=b.PollCard(poll_id).pack())]]
    )


def audience_picker(
    poll: PollRow, buildings: list[Building], everyone_allowed: bool
) -> tuple[str, InlineKeyboardMarkup]:
    text = _("<b>Poll #{id}</b>: who should get it?").format(id=poll.id) + "\n" + audience_hint()
    rows = audience_rows(
        poll.audience,
        buildings,
        everyone_allowed,
        lambda building_id: b.PollBuilding(poll.id, building_id),
        lambda kind, value: b.PollFilter(poll.id, kind, value),
    )
    rows.append([InlineKeyboardButton(_("◀️ Back"), callback_data=b.PollCard(poll.id).pack())])
    return text, InlineKeyboardMarkup(rows)


def languages_picker(poll: PollRow, written: set[str]) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "<b>Poll #{id}</b>: in which language do you want to write it? Residents who read "
        "that language get it in their language; the others get {source}."
    ).format(id=poll.id, source=language_name(poll.source_locale, in_sentence=True))
    choices = [
        InlineKeyboardButton(
            ("✓ " if loc in written else "➕ ") + language_name(loc),
            callback_data=b.PollWrite(poll.id, loc).pack(),
        )
        for loc in b.LOCALE
        if loc != poll.source_locale
    ]
    rows = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append([InlineKeyboardButton(_("◀️ Back"), callback_data=b.PollCard(poll.id).pack())])
    return text, InlineKeyboardMarkup(rows)


def write_prompt(poll: PollRow, locale: str) -> str:
    return "\n".join(
        [
            _(
                "Write poll #{id} in {language}: the question on the first line, then its {n} "
                "answers, one per line, in the same order."
            ).format(
                id=poll.id,
                language=language_name(locale, in_sentence=True),
                n=len(poll.options),
            ),
            "",
            *_question_lines(poll.question, poll.options),
        ]
    )


# ---------------------------------------------------------------------------- after the preview
def sent_text(poll: PollRow, shown: int | None, min_group: int) -> str:
    return _(
        "<b>Poll #{id}</b> is going out now to {people}. /results {id} shows the answers; "
        "/closepoll {id} closes it."
    ).format(id=poll.id, people=people(shown, min_group))


def closepoll_usage() -> str:
    return _("Write the poll's number: <code>/closepoll 7</code>. /polls lists them.")


def results_usage() -> str:
    return _(
        "Write the poll's number, and how to split the answers if you like: "
        "<code>/results 7</code>, <code>/results 7 building</code> (or <code>tenure</code>, "
        "<code>affordability</code>, <code>language</code>), or <code>/results 7 csv</code>."
    )


def cancelled_text(poll_id: int) -> str:
    return _("Poll #{id} was cancelled: nobody got it.").format(id=poll_id)


def closed_text(poll_id: int) -> str:
    return _("Poll #{id} is closed: its result is final. /results {id} shows it.").format(
        id=poll_id
    )


def closed_notice(poll_id: int) -> str:
    """To the author, when the time they chose closed their poll."""
    return _("Poll #{id} closed at the time you chose. /results {id} shows the result.").format(
        id=poll_id
    )


def list_text(polls: list[tuple[PollRow, int]], when: When) -> str:
    if not polls:
        return _("No polls yet. /poll asks residents a question.")
    lines = [_("<b>Polls</b>")]
    for poll, answered in polls:
        question = poll.question if len(poll.question) <= 60 else poll.question[:60] + "…"
        line = f"#{poll.id} · {_(STATES[poll.state])} · {esc(question)}"
        if poll.state != "draft":
            line += " · " + _("{answered} of {sent} answered").format(
                answered=answered, sent=poll.recipients or 0
            )
        if poll.state == "open" and poll.close_at:
            line += " · " + _("closes on {time}").format(time=when(poll.close_at))
        lines.append(line)
    lines += ["", _("/results 7 shows the answers to poll #7.")]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- results
def bar(share: float) -> str:
    full = round(share * BAR_CELLS)
    return "▇" * full + "░" * (BAR_CELLS - full)


def percent(part: int, whole: int) -> str:
    return format_percent(part / whole if whole else 0, locale=i18n.current_locale())


def group_name(by: str, key: str, buildings: dict[int, str]) -> str:
    if key == "—":
        return _("not given")
    if by == "building":
        return esc(buildings.get(int(key), f"#{key}")) if key.isdigit() else esc(key)
    if by == "tenure" and key in TENURE_LABELS:
        return _(TENURE_LABELS[key])
    if by == "affordability" and key in AFFORDABILITY_LABELS:
        return _(AFFORDABILITY_LABELS[key])
    if by == "language":
        return language_name(key)
    return esc(key)


def results_text(results: Results, buildings: dict[int, str], min_group: int, when: When) -> str:
    poll = results.poll
    lines = [_title(poll), f"<blockquote>{esc(poll.question)}</blockquote>"]
    for option, n in zip(poll.options, results.counts, strict=True):
        share = n / results.answered if results.answered else 0
        lines.append(
            f"{esc(option)}\n<code>{bar(share)}</code> {percent(n, results.answered)} · {n}"
        )
    lines.append("")
    lines.append(
        _("{answered} of {sent} answered ({rate}).").format(
            answered=results.answered,
            sent=results.sent_to,
            rate=percent(results.answered, results.sent_to),
        )
    )
    if poll.multi:
        lines.append(_("Several answers were allowed: each share is of those who answered."))
    if poll.state == "closed" and poll.closed_at:
        lines.append(_("Closed on {time}: the result is final.").format(time=when(poll.closed_at)))
    elif poll.state == "open":
        lines.append(_("Still open: answers can change until it closes."))
    if results.breakdown is not None and results.by is not None:
        lines += ["", f"<b>{_(BREAKDOWN_LABELS[results.by])}</b>"]
        for key in sorted(results.breakdown, key=lambda k: group_name(results.by, k, buildings)):
            cells = results.breakdown[key]
            counts = " · ".join(
                f"{esc(option)} {shown_count(cells[option], min_group)}" for option in poll.options
            )
            lines.append(f"{group_name(results.by, key, buildings)}: {counts}")
        if not results.breakdown:
            lines.append(_("No answers yet."))
    return "\n".join(note_if_hidden(lines, min_group))


def results_chart(results: Results) -> bytes:
    """The results as a bar chart (percentages of those who answered), labels as written;
    slow (CPU): call it in a worker thread."""
    poll = results.poll
    return charts.bar_chart(
        f"{_('Poll #{id}').format(id=poll.id)}: {poll.question}",
        list(poll.options),
        list(results.counts),
        total=results.answered,
        total_note=_("{answered} of {sent} answered ({rate}).").format(
            answered=results.answered,
            sent=results.sent_to,
            rate=percent(results.answered, results.sent_to),
        ),
    )


def chart_caption(poll_id: int) -> str:
    return _("📊 Poll #{id} as a chart.").format(id=poll_id)


def results_keyboard(poll: PollRow, by: str | None) -> InlineKeyboardMarkup:
    splits = [
        InlineKeyboardButton(
            ("• " if by == key else "") + _(label),
            callback_data=b.PollResults(poll.id, key).pack(),
        )
        for key, label in BREAKDOWN_BUTTONS.items()
    ]
    rows = [splits[:2], splits[2:]]
    last = [InlineKeyboardButton("📄 CSV", callback_data=b.PollCsv(poll.id).pack())]
    if by is not None:
        last.insert(
            0,
            InlineKeyboardButton(
                _("All answers"), callback_data=b.PollResults(poll.id, "all").pack()
            ),
        )
    if poll.state == "open":
        last.append(
            InlineKeyboardButton(_("⏹ Close now"), callback_data=b.PollStop(poll.id).pack())
        )
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def csv_caption(poll_id: int) -> str:
    return _("Poll #{id}: the counts only, small groups hidden as in the results.").format(
        id=poll_id
    )


def csv_table(
    rows: list[tuple[str, str, str, object]], buildings: dict[int, str], min_group: int
) -> list[list[str]]:
    """The CSV as people read it: labels in the reader's language, every cell of a
    breakdown shown as the results show it."""
    table = [[_("split"), _("group"), _("answer"), _("count")]]
    for by, key, option, value in rows:
        if by == "all":
            table.append([_("All answers"), "", option, str(value)])
            continue
        table.append(
            [
                _(BREAKDOWN_LABELS[by]),
                plain(group_name(by, key, buildings)),
                option,
                shown_count(value, min_group),
            ]
        )
    return table


def plain(text: str) -> str:
    return html.unescape(text)
