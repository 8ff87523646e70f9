"""Surveys: the invitation, one question per message, the thanks, the reminder, and what
stewards and organisers see (/survey list, open, close, results). Counts by group arrive
here already through ``smallgroups.hide_small``; ``shown_count`` renders them."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, _, language_name
from bot.services.surveys import AGENCY, SKIP, SURVEYS, YES_NO, Rate, Results
from bot.storage.surveys import WaveRow
from bot.views import buttons as b
from bot.views import charts
from bot.views.announce import TENURE_LABELS
from bot.views.common import esc, shown_count

When = Callable[[str], str]

QUESTIONS = {
    "say": N_("I have a say in decisions about my building."),
    "belong": N_("I feel I belong here."),
    "mix": N_("I know neighbours from different backgrounds."),
    "changes": N_("Residents' views lead to changes here."),
    "safe": N_("I feel safe taking part in building meetings."),
    "activity": N_("I took part in a community activity this month."),
}
SURVEY_NAMES = {"agency": N_("Having a say and belonging")}
AFFORDABILITY_LABELS = {
    "assisted": N_("assisted or subsidised units"),
    "market": N_("market-rate units"),
    "unknown": N_("don't know"),
    "undisclosed": N_("not given"),
}
DIMENSION_TITLES = {
    "building": N_("By building"),
    "tenure": N_("By tenure"),
    "affordability": N_("By affordability"),
    "language": N_("By language"),
}


def value_label(question: str, value: str) -> str:
    if value == "skip":
        return _("no answer")
    if question in YES_NO:
        return _("Yes, I did") if value == "5" else _("Not this month") if value == "1" else value
    return value


# ------------------------------------------------------------------------------ residents
def invitation(wave_id: int, closes: str, min_group: int) -> tuple[str, InlineKeyboardMarkup]:
    text = (
        _("📋 <b>A short survey</b> · wave #{wave}").format(wave=wave_id)
        + "\n\n"
        + _(
            "Six quick questions about living here: whether you have a say, and whether you "
            "feel you belong. It takes about a minute, and you can skip any question."
        )
        + "\n\n"
        + _(
            "Your answers are kept without your name. Nobody, not even the stewards, sees how "
            "you answered: only totals for groups of at least {k} residents."
        ).format(k=min_group)
        + "\n\n"
        + _("Open until {date}.").format(date=closes)
    )
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("▶️ Start"), callback_data=b.SurveyStart(wave_id).pack())]]
    )
    return text, keyboard


def reminder(wave_id: int, closes: str) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "⏰ The survey (wave #{wave}) closes on {date}. If you have a minute, your answers "
        "still count."
    ).format(wave=wave_id, date=closes)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("▶️ Continue"), callback_data=b.SurveyStart(wave_id).pack())]]
    )
    return text, keyboard


def question(
    wave: WaveRow, index: int, chosen: int | None = None, answered: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """One question, with its progress; the chosen answer (if any) marked ✅."""
    questions = SURVEYS[wave.survey]
    key = questions[index]
    lines = [
        _("{n} of {total}").format(n=index + 1, total=len(questions)),
        f"<b>{_(QUESTIONS[key])}</b>",
    ]
    if key not in YES_NO:
        lines.append(_("1 = strongly disagree, 5 = strongly agree"))

    def mark(label: str, value: int) -> str:
        return f"✅ {label}" if answered and chosen == value else label

    def press(value: int) -> str:
        return b.SurveyAnswer(wave.id, index, value).pack()

    if key in YES_NO:
        row = [
            InlineKeyboardButton(mark(_("Yes, I did"), 5), callback_data=press(5)),
            InlineKeyboardButton(mark(_("Not this month"), 1), callback_data=press(1)),
        ]
    else:
        row = [InlineKeyboardButton(mark(str(v), v), callback_data=press(v)) for v in range(1, 6)]
    skip = InlineKeyboardButton(mark(_("Skip"), SKIP), callback_data=press(SKIP))
    return "\n".join(lines), InlineKeyboardMarkup([row, [skip]])


def saved_text() -> str:
    return _("Saved")


def thanks_text(closes: str) -> str:
    return _(
        "🙏 Thank you! Your answers are saved. Until the wave closes on {date} you can change "
        "any of them: press another button above."
    ).format(date=closes)


# ------------------------------------------------------------------------------ organisers
def usage_text() -> str:
    return _(
        "<b>Surveys</b>\n"
        "/survey list: the waves\n"
        "/survey open agency [DAYS] [WHO]: send the agency survey (7 days unless you say; "
        "WHO as for /announce, such as <code>all</code> or <code>2,5 lang:es</code>)\n"
        "/survey close WAVE: close a wave now\n"
        "/survey results WAVE: the results (a CSV file too)"
    )


def list_text(waves: list[WaveRow], when: When) -> str:
    if not waves:
        return _("No survey waves yet. Start one with /survey open agency.")
    lines = [_("<b>Survey waves</b>")]
    for wave in waves:
        name = _(SURVEY_NAMES.get(wave.survey, wave.survey))
        if wave.state == "open":
            state = _("open until {date}").format(date=when(wave.closes_at))
        else:
            state = _("closed on {date}").format(date=when(wave.closed_at or wave.closes_at))
        lines.append(f"#{wave.id} · {esc(name)} · {state}")
    return "\n".join(lines)


def opened_text(wave: WaveRow, invited: int | None, min_group: int, closes: str) -> str:
    return _(
        "📋 Wave #{wave} of the survey is open until {date}. Invitations are going to "
        "{count} residents; each gets one reminder before it closes."
    ).format(wave=wave.id, date=closes, count=shown_count(invited, min_group))


def closed_text(wave: WaveRow) -> str:
    return _(
        "Wave #{wave} is closed. From now on nothing ties an answer to a person. See "
        "/survey results {wave}."
    ).format(wave=wave.id)


def _index(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _rate_line(rate: Rate, label: str, k: int) -> str:
    line = _("{group}: {answered} answered, {silent} not yet").format(
        group=esc(label),
        answered=shown_count(rate.respondents, k),
        silent=shown_count(rate.not_heard, k),
    )
    if rate.percent is not None:
        line += f" ({rate.percent}%)"
    return line


def group_label(dimension: str, group: str, buildings: dict[int, str]) -> str:
    if dimension == "building":
        return buildings.get(int(group), group) if group.isdigit() else group
    if dimension == "tenure":
        return _(TENURE_LABELS.get(group, group))
    if dimension == "affordability":
        return _(AFFORDABILITY_LABELS.get(group, group))
    return language_name(group)


def results_text(results: Results, buildings: dict[int, str], k: int, when: When) -> str:
    wave = results.wave
    state = (
        _("open until {date}").format(date=when(wave.closes_at))
        if wave.state == "open"
        else _("closed on {date}").format(date=when(wave.closed_at or wave.closes_at))
    )
    lines = [
        _("📊 <b>{name}</b> · wave #{wave} · {state}").format(
            name=esc(_(SURVEY_NAMES.get(wave.survey, wave.survey))), wave=wave.id, state=state
        ),
        _("Residents who answered: {count}").format(count=shown_count(results.respondents, k)),
    ]
    if wave.state == "open":
        lines.append(_("The answers are shown once the wave is closed."))
    elif results.distributions is None:
        lines.append(
            _("Fewer than {k} residents answered, so the answers are not shown.").format(k=k)
        )
    else:
        for key, cells in results.distributions.items():
            lines.append("")
            lines.append(f"<b>{_(QUESTIONS[key])}</b>")
            values = ("1", "5", "skip") if key in YES_NO else ("1", "2", "3", "4", "5", "skip")
            lines.append(
                " · ".join(
                    f"{value_label(key, v)}: {shown_count(cells.get(v, 0), k)}" for v in values
                )
            )
    lines.append("")
    lines.append(_("<b>Agency index</b> (0-100, the mean of every answer)"))
    for point in results.trend:
        lines.append(
            _("Wave #{wave} ({date}): {index}, from {count} residents").format(
                wave=point.wave_id,
                date=when(point.opened_at),
                index=_index(point.index),
                count=shown_count(point.respondents, k),
            )
        )
    for dimension in ("building", "tenure", "affordability", "language"):
        rates = results.rates.get(dimension)
        if not rates:
            continue
        lines.append("")
        lines.append(f"<b>{_(DIMENSION_TITLES[dimension])}</b>")
        for rate in rates:
            label = group_label(dimension, rate.group, buildings)
            lines.append(_rate_line(rate, label, k))
    return "\n".join(lines)


# ------------------------------------------------------------------------------ the chart
def results_chart(results: Results, k: int) -> bytes | None:
    """The photo after the results' text: each question's answers (once the wave is closed
    and enough answered) above the agency index across waves, every label in the reader's
    language. None when there is nothing to draw; raises ``charts.ChartUnavailable`` when the
    fonts installed cannot draw the reader's script. Slow (CPU): call it in a worker thread."""
    note = _("Groups of fewer than {k} residents are not shown.").format(k=k)
    parts = []
    if results.distributions:
        questions = list(results.distributions)
        parts.append(
            charts.distribution_chart(
                _("Answers, wave #{wave}").format(wave=results.wave.id),
                [_(QUESTIONS[q]) for q in questions],
                [
                    [results.distributions[q].get(v, 0) for v in ("1", "2", "3", "4", "5", "skip")]
                    for q in questions
                ],
                ["1", "2", "3", "4", "5"],
                totals=[results.totals.get(q, 0) for q in questions] if results.totals else None,
                extra=_("no answer"),
                scale_note=_("1 = strongly disagree, 5 = strongly agree"),
                total_note=note,
            )
        )
    if any(point.index is not None for point in results.trend):
        parts.append(
            charts.trend_chart(
                _("Agency index across waves"),
                [
                    (_("Wave #{wave}").format(wave=p.wave_id), p.index, p.respondents)
                    for p in results.trend
                ],
                y_label=_("0-100, the mean of every answer"),
                total_note=None if parts else note,
                height_in=3.8,
            )
        )
    if not parts:
        return None
    return charts.stack(*parts)


def chart_caption(wave_id: int) -> str:
    return _("📊 Wave #{wave} as a chart: the answers and the agency index.").format(wave=wave_id)


def csv_caption(wave_id: int) -> str:
    return _("The results of wave #{wave}, as a CSV file.").format(wave=wave_id)


assert set(QUESTIONS) == set(AGENCY)
