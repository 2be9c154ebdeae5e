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


# ------------------------------------------------------------------ answer keys, hints, solutions


@pytest.mark.parametrize("ex_id", ALL)
def test_every_exercise_has_an_answer_key_and_a_kind(ex_id):
    """dp.solution can always answer, and the tests can fill every exercise in (tests/nbrun.py)."""
    ex = REGISTRY[ex_id]
    assert ex.solution and "answer" in ex.solution, ex_id
    assert ex.kind in ("number", "implement", "explore")
    compile(ex.solution, ex_id, "exec")          # it is code, not prose


@pytest.mark.parametrize("ex_id", ALL)
def test_the_question_and_first_hint_give_nothing_away(ex_id):
    """What is printed before a learner asks for more names none of the texts that reveal the answer."""
    from dpviz.exercises.registry import find_reveals

    ex = REGISTRY[ex_id]
    assert not find_reveals(list(ex.reveals), [ex.question, ex.hint]), ex_id


def test_each_notebook_from_02_to_09_and_20_to_22_has_an_implement_exercise():
    kinds = {}
    for ex_id in ALL:
        kinds.setdefault(ex_id[:2], set()).add(REGISTRY[ex_id].kind)
    missing = [nb for nb in [f"{n:02d}" for n in range(2, 10)] + ["20", "21", "22"]
               if "implement" not in kinds.get(nb, set())]
    assert not missing, missing


def test_a_wrong_answer_gives_the_first_hint_and_dp_hint_then_says_more():
    from dpviz.exercises.registry import HINTS_SHOWN

    HINTS_SHOWN.pop("03.2", None)
    ex = REGISTRY["03.2"]
    wrong = check("03.2", 7)
    assert not wrong.ok and ex.hint in wrong.message and 'dp.hint("03.2")' in wrong.message
    second = dp_hint("03.2")
    assert ex.more in second.message and second.message.startswith("Hint 2")
    last = dp_hint("03.2")
    assert 'dp.solution("03.2")' in last.message


def dp_hint(ex_id):
    import dpviz as dp

    return dp.hint(ex_id)


def test_a_first_dp_hint_is_a_direction_and_names_the_second():
    import dpviz as dp
    from dpviz.exercises.registry import HINTS_SHOWN

    HINTS_SHOWN.pop("07.1", None)
    first = dp.hint("07.1")
    assert first.message == f'Hint 1 (07.1): {REGISTRY["07.1"].hint} (dp.hint("07.1") again says more.)'


def test_dp_solution_prints_the_answer_key_and_check_records_it():
    import numpy as np

    import dpviz as dp
    from dpviz.exercises.registry import SOLUTIONS_SHOWN

    SOLUTIONS_SHOWN.discard("04.3")
    shown = dp.solution("04.3")
    assert shown.code == REGISTRY["04.3"].solution and "recorded" in shown.message
    assert "04.3" in SOLUTIONS_SHOWN
    env = {"dp": dp, "np": np}
    exec(shown.code, env)
    assert "after dp.solution showed one" in check("04.3", env["answer"]).message
    assert "<pre" in shown._repr_html_()


def test_unknown_ids_and_wrong_types_get_a_dpviz_error():
    import dpviz as dp
    from dpviz.errors import DpvizError

    with pytest.raises(DpvizError, match="no exercise '99.9'"):
        dp.solution("99.9")
    with pytest.raises(DpvizError, match="exercise ids are text"):
        dp.hint(3.1)


# ------------------------------------------------------------------ the leak check itself


def _notebook(cells):
    import nbformat

    nb = nbformat.v4.new_notebook()
    for kind, src, printed in cells:
        cell = nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src)
        if printed:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        nb.cells.append(cell)
    return nb


def test_find_leaks_catches_an_answer_printed_above_its_exercise_but_not_below():
    pytest.importorskip("nbformat")
    from nbrun import find_leaks

    from dpviz.exercises.registry import Exercise, reveal_patterns

    patterns = reveal_patterns(Exercise("t.1", "?", bool), 0.8399486832280524)
    above = _notebook([("code", "print(g)", "dL/dw = 0.8399\n"), ("code", 'dp.check("t.1", answer)', "")])
    below = _notebook([("code", 'dp.check("t.1", answer)', ""), ("code", "print(g)", "dL/dw = 0.8399\n")])
    in_text = _notebook([("markdown", "The answer is 0.8399.", ""), ("code", 'dp.check("t.1", answer)', "")])
    assert find_leaks(above, patterns, 1)
    assert not find_leaks(below, patterns, 0)
    assert find_leaks(in_text, patterns, 1)
    # a longer number that merely starts with the same digits is no leak
    assert not find_leaks(_notebook([("code", "", "0.83991\n"), ("code", "", "")]), patterns, 1)


def test_the_committed_notebooks_check_exactly_the_registered_exercises():
    pytest.importorskip("nbformat")
    import nbformat
    from nbrun import NOTEBOOKS, exercise_cells

    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        found = sorted(exercise_cells(nbformat.read(path, as_version=4)))
        mine = sorted(k for k in ALL if k.startswith(path.name[:2] + "."))
        assert found == mine, (path.name, found, mine)
