"""Every registered exercise (all parts): a question, a hint, and a kind word for an empty answer."""
import pytest

from dpviz.exercises import REGISTRY, check   # importing the package registers every part

ALL = sorted(k for k in REGISTRY if not k.startswith("demo."))


def test_both_parts_are_registered():
    assert {k.split(".")[0] for k in ALL} >= {f"{n:02d}" for n in range(1, 16)}


@pytest.mark.parametrize("ex_id", ALL)
def test_question_hint_and_friendly_placeholder(ex_id):
    ex = REGISTRY[ex_id]
    assert ex.question and ex.hint, ex_id
    for empty in (..., None):
        fb = check(ex_id, empty)
        assert not fb.ok and "no answer yet" in fb.message and ex.question in fb.message
