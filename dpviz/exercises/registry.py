"""The registry of exercises and the checker: is an answer right and, if not, a hint.

Each exercise is registered once, in the module of its part of the course
(``dpviz.exercises.part1``, ``part2``, ...), under an id such as ``"02.1"``
(notebook 02, exercise 1).  A notebook cell calls ``dp.check("02.1", answer)``; a learner who
is stuck calls ``dp.hint("02.1")`` (a second call says more) and, as a last resort,
``dp.solution("02.1")``, which prints a solution and records that it was shown.

>>> from dpviz.exercises.registry import Exercise, register, check
>>> _ = register(Exercise("demo.1", "What is d(x²)/dx at x = 3?",
...                       lambda a: abs(float(a) - 6.0) < 1e-9, hint="Differentiate x² first.",
...                       solution="answer = 2 * 3.0"))
>>> check("demo.1", 6.0).ok
True
>>> print(check("demo.1", 5.0))
✗ Not yet (demo.1). Hint: Differentiate x² first.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from dpviz.errors import DpvizError

REGISTRY: dict[str, "Exercise"] = {}

#: What an exercise asks for: a number (or word, shape, array), code to implement, or a widget to explore.
KINDS = ("number", "implement", "explore")

#: How many hints each exercise has had shown (``dp.hint`` and wrong answers), and which solutions were shown.
HINTS_SHOWN: dict[str, int] = {}
SOLUTIONS_SHOWN: set[str] = set()


@dataclass(frozen=True)
class Exercise:
    """One exercise: a question, a test of an answer, two levels of hint and a solution.

    ``test(answer)`` returns True/False, or a string explaining what is wrong (shown instead of
    the generic hint), or a :class:`Verdict` carrying a picture as well. ``hint`` gives a
    direction and never the answer; ``more`` (the second ``dp.hint``) may give the method.
    ``solution`` is code that sets ``answer``: ``dp.solution`` prints it, and the tests run it in
    the notebook and check that ``dp.check`` accepts it. ``reveals`` are regular expressions
    of text that would give the answer away if printed or written before the question (the
    tests look for them, and for the solution's value, in the notebook and its outputs).

    >>> Exercise("x.1", "2 + 2?", lambda a: a == 4, hint="Count.").question
    '2 + 2?'
    """

    id: str
    question: str
    test: Callable[[Any], Any]
    hint: str = ""
    explanation: str = ""
    more: str = ""
    solution: str = ""
    kind: str = "number"
    reveals: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DpvizError(f"exercise {self.id!r}: kind must be one of {KINDS}, not {self.kind!r}")


@dataclass(frozen=True)
class Verdict:
    """What a test may return besides True/False/text: a message and a picture showing where.

    >>> Verdict("the edge x → f is wrong").message
    'the edge x → f is wrong'
    """

    message: str
    picture: Any = None
    ok: bool = False


@dataclass(frozen=True)
class Feedback:
    """What :func:`check`, :func:`hint` and :func:`solution` answer: ``ok`` and a message, and a
    picture when a check can show where an answer goes wrong (shown under the message).

    >>> Feedback(True, "✓ Right.").ok
    True
    """

    ok: bool
    message: str
    picture: Any = field(default=None, repr=False, compare=False)
    code: str = ""
    #: "check" (green when right, orange when not) or "note" (a hint or a solution: neither right nor wrong)
    tone: str = "check"

    def __str__(self) -> str:
        return self.message + (f"\n\n{self.code}" if self.code else "")

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#333333" if self.tone == "note" else "green" if self.ok else "#b35900"
        out = f"<div style='color:{colour}'>{html.escape(self.message)}</div>"
        if self.code:
            out += (f"<pre style='background:#f6f6f6;padding:6px 8px;border-radius:3px'>"
                    f"{html.escape(self.code)}</pre>")
        svg = getattr(self.picture, "_repr_svg_", None)
        if svg is not None:
            drawn = svg()
            if drawn:
                out += f"<div style='overflow-x:auto;max-width:100%'>{drawn}</div>"
        return out


def register(ex: Exercise) -> Exercise:
    """Add an exercise to the registry (ids are unique).

    >>> _ = register(Exercise("demo.2", "?", lambda a: True))
    """
    if ex.id in REGISTRY and REGISTRY[ex.id] is not ex:
        raise DpvizError(f"exercise {ex.id!r} is registered twice")
    REGISTRY[ex.id] = ex
    return ex


def exercise(ex_id: str) -> Exercise:
    """The exercise registered under ``ex_id``.

    >>> exercise("demo.1").hint
    'Differentiate x² first.'
    """
    if not isinstance(ex_id, str):
        raise DpvizError(f"exercise ids are text such as \"03.1\"; got {type(ex_id).__name__} {ex_id!r}")
    if ex_id not in REGISTRY:
        raise DpvizError(f"no exercise {ex_id!r}; known: {', '.join(sorted(REGISTRY)) or 'none'}")
    return REGISTRY[ex_id]


def _more_note(ex: Exercise) -> str:
    return f" (dp.hint(\"{ex.id}\") says more.)" if ex.more and HINTS_SHOWN.get(ex.id, 0) < 2 else ""


def _not_yet(ex: Exercise, detail: str = "", *, hint: bool = False) -> str:
    """The message of a wrong answer: what is wrong when the test says (and the first hint too when
    ``hint``), else the first hint."""
    HINTS_SHOWN[ex.id] = max(HINTS_SHOWN.get(ex.id, 0), 1)
    tail = f" Hint: {ex.hint}{_more_note(ex)}" if ex.hint else ""
    if detail:
        return f"✗ Not yet ({ex.id}): {detail}" + (tail if hint else "")
    return f"✗ Not yet ({ex.id})." + tail


def check(ex_id: str, answer: Any) -> Feedback:
    """Check ``answer`` for exercise ``ex_id``: right, or what is wrong and a hint (never a bare assert).

    A test that raises counts as a wrong answer, and the message says what went wrong.

    >>> print(check("demo.1", "six"))  # doctest: +ELLIPSIS
    ✗ Not yet (demo.1): your answer could not be checked (ValueError: ...). Hint: Differentiate x² first.
    """
    ex = exercise(ex_id)
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"… ({ex_id}) no answer yet: replace the ... with yours. {ex.question}")
    try:
        verdict = ex.test(answer)
    except DpvizError as e:   # raised on purpose by a checker: it says what is wrong
        return Feedback(False, _not_yet(ex, str(e)))
    except Exception as e:  # noqa: BLE001 - a learner's answer may be anything
        return Feedback(False, _not_yet(ex, f"your answer could not be checked ({type(e).__name__}: {e}).",
                                        hint=True))
    if isinstance(verdict, Verdict):
        if verdict.ok:
            return Feedback(True, _right(ex) + (f" {verdict.message}" if verdict.message else ""),
                            verdict.picture)
        return Feedback(False, _not_yet(ex, verdict.message), verdict.picture)
    if verdict is True or (verdict is not False and not isinstance(verdict, str) and bool(verdict)):
        return Feedback(True, _right(ex))
    if isinstance(verdict, str):
        return Feedback(False, _not_yet(ex, verdict))
    return Feedback(False, _not_yet(ex))


def _right(ex: Exercise) -> str:
    shown = " (after dp.solution showed one; try the next exercise on your own)" if ex.id in SOLUTIONS_SHOWN else ""
    extra = f" {ex.explanation}" if ex.explanation else ""
    return f"✓ Right ({ex.id}){shown}.{extra}"


def hint(ex_id: str) -> Feedback:
    """A hint for ``ex_id``: the first call gives a direction, the second says more (where the
    exercise has more to say); after that, the last hint again and where the solution is.

    >>> _ = register(Exercise("demo.3", "?", bool, hint="Look left.", more="Look further left."))
    >>> print(hint("demo.3")); print(hint("demo.3"))
    Hint 1 (demo.3): Look left. (dp.hint("demo.3") again says more.)
    Hint 2 (demo.3): Look further left.
    """
    ex = exercise(ex_id)
    level = HINTS_SHOWN.get(ex_id, 0) + 1
    HINTS_SHOWN[ex_id] = level
    if level == 1 and ex.hint:
        again = f" (dp.hint(\"{ex_id}\") again says more.)" if ex.more else ""
        return Feedback(False, f"Hint 1 ({ex_id}): {ex.hint}{again}", tone="note")
    if level == 2 and ex.more:
        return Feedback(False, f"Hint 2 ({ex_id}): {ex.more}", tone="note")
    last = ex.more or ex.hint
    return Feedback(False, (f"Hint ({ex_id}): {last} " if last else "")
                    + f"That is the last hint; dp.solution(\"{ex_id}\") shows a solution "
                      "(and records that it was shown).", tone="note")


def solution(ex_id: str) -> Feedback:
    """Print a solution of ``ex_id`` (code that sets ``answer``) and record that it was shown.

    >>> print(solution("demo.1"))
    Solution of demo.1 (shown on request, and recorded: dp.check will say so). Run it, then dp.check("demo.1", answer).
    <BLANKLINE>
    answer = 2 * 3.0
    >>> "demo.1" in SOLUTIONS_SHOWN
    True
    """
    ex = exercise(ex_id)
    if not ex.solution:
        raise DpvizError(f"exercise {ex_id!r} has no written solution; ask dp.hint(\"{ex_id}\") instead")
    SOLUTIONS_SHOWN.add(ex_id)
    return Feedback(True, f"Solution of {ex_id} (shown on request, and recorded: dp.check will say so). "
                          f"Run it, then dp.check(\"{ex_id}\", answer).", code=ex.solution, tone="note")


# ------------------------------------------------------------------------------- what gives it away


def _number_texts(value: float) -> list[str]:
    """How a distinctive number would be printed: to 4 and 6 significant digits. A number of one or
    two significant digits (0.5, 0.05, an integer) appears in any text, and three digits match by
    chance too often (an accuracy of 0.995), so those are left to an exercise's own ``reveals``; a
    number within float32 rounding of a round one (0.8999991) counts as round.

    >>> _number_texts(0.8399486832280524), _number_texts(0.8999999999999999), _number_texts(3.0)
    (['0.8399', '0.839949'], [], [])
    """
    if not math.isfinite(value) or math.isclose(value, float(f"{value:.3g}"), rel_tol=1e-5, abs_tol=1e-12):
        return []
    return list(dict.fromkeys([f"{value:.4g}", f"{value:.6g}"]))


def reveal_patterns(ex: Exercise, answer: Any) -> list[str]:
    """Regular expressions of text that would give ``answer`` (the solution's value) away:
    the exercise's own ``reveals`` and the distinctive numbers in the answer.

    >>> import re
    >>> [bool(re.search(p, "dL/dw = 0.8399")) for p in reveal_patterns(Exercise("d.1", "?", bool), 0.83994868)]
    [True, False]
    """
    out = list(ex.reveals)
    if isinstance(answer, (bool, str)) or callable(answer):
        return out
    try:
        values = np.asarray(getattr(answer, "data", answer), dtype=float).ravel()
    except (TypeError, ValueError):
        return out
    for v in values[:16]:
        for text in _number_texts(float(v)):
            pattern = r"(?<![\d.])" + re.escape(text) + r"(?![\d])"
            if pattern not in out:
                out.append(pattern)
    return out


def find_reveals(patterns: list[str], texts: list[str]) -> list[str]:
    """The patterns found in any of ``texts``, each with the text around it.

    >>> find_reveals([r"i\\s*<\\s*j"], ["Definition 1", "e.g. \\"i < j\\""])
    ['i\\\\s*<\\\\s*j: ...e.g. "i < j"...']
    """
    found = []
    for pattern in patterns:
        for text in texts:
            m = re.search(pattern, text)
            if m:
                found.append(f"{pattern}: ...{text[max(0, m.start() - 40):m.end() + 40]}...")
                break
    return found
