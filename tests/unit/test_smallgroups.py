"""Small groups stay hidden: the one function every count by group goes through."""

from hypothesis import given
from hypothesis import strategies as st

from bot.services.smallgroups import PROTECTED, hide_small
from bot.views.common import HIDDEN_MARK, shown_count


def test_a_small_group_is_hidden_with_the_next_smallest_and_zero_stays_zero():
    assert hide_small({"es": 41, "fr": 3, "vi": 0}) == {"es": PROTECTED, "fr": None, "vi": 0}
    assert hide_small({"es": 41, "fr": 3, "ar": 0, "vi": 30})["vi"] == PROTECTED


def test_one_hidden_cell_hides_the_next_smallest_so_the_total_does_not_give_it_away():
    shown = hide_small({"es": 41, "fr": 3, "ar": 12, "vi": 30})
    assert shown == {"es": 41, "fr": None, "ar": PROTECTED, "vi": 30}


def test_the_threshold_is_configurable():
    assert hide_small({"a": 9, "b": 10, "c": 11}, k=10) == {"a": None, "b": PROTECTED, "c": 11}


@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 60)), st.integers(2, 10))
def test_no_count_below_k_is_ever_shown_nor_derivable_from_the_total(counts, k):
    shown = hide_small(counts, k)
    assert all(v in (None, PROTECTED, 0) or v >= k for v in shown.values())
    hidden = [key for key, v in shown.items() if v in (None, PROTECTED)]
    # with exactly one hidden non-zero cell, total minus the others would reveal it
    assert len(hidden) != 1 or all(counts[key] == 0 for key in counts if key not in hidden)


@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 60)), st.integers(2, 10))
def test_a_hidden_cell_looks_the_same_as_an_empty_one(counts, k):
    """What a reader sees: every cell below k, every cell hidden with one, and every empty cell
    render alike, so a total cannot tell an empty group from a hidden one either."""
    rendered = {key: shown_count(v, k) for key, v in hide_small(counts, k).items()}
    unseen = {key for key in counts if counts[key] < k or rendered[key] == HIDDEN_MARK}
    assert {rendered[key] for key in unseen} <= {HIDDEN_MARK}
    assert all(rendered[key] == str(counts[key]) for key in counts if key not in unseen)
    assert shown_count(0, k) == shown_count(None, k) == shown_count(PROTECTED, k)
