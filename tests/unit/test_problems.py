"""Every refused request has words: each kind of each problem has a message in the one table,
translated in every shipped locale."""

import pytest

from bot import i18n
from bot.services.problems import all_problem_types
from bot.views import problems

SHOWN = [cls for cls in all_problem_types() if not cls.internal]
KINDS = [(cls, kind) for cls in SHOWN for kind in cls.Kind]


def test_every_problem_type_is_found():
    names = {cls.__name__ for cls in SHOWN}
    assert {"SignupProblem", "ModerationProblem", "ButtonProblem", "InviteProblem"} <= names


@pytest.mark.parametrize(("cls", "kind"), KINDS, ids=lambda v: getattr(v, "name", str(v)))
def test_every_kind_has_a_translated_message(cls, kind):
    problem = cls(kind, "Maple Court")
    assert kind in problems.MESSAGES, f"{cls.__name__}.{kind.name} has no message"
    with i18n.use_locale("en"):
        english = problems.render(problem)
    assert english and "{" not in english
    for locale in i18n.LOCALES:
        if locale == "en":
            continue
        with i18n.use_locale(locale):
            assert problems.render(problem) != english, (locale, kind)


def test_a_kind_of_another_problem_is_refused():
    signup, moderation = (
        next(c for c in SHOWN if c.__name__ == n) for n in ("SignupProblem", "ModerationProblem")
    )
    with pytest.raises(TypeError):
        signup(moderation.ALREADY)
