"""The registry of exercises and the checker: is an answer right and, if not, a hint.

Each exercise is registered once, in the module of its part of the course
(``dpviz.exercises.part1``, ``part2``, ...), under an id such as ``"02.1"``
(notebook 02, exercise 1).  A notebook cell calls ``dp.check("02.1", answer)``.

>>> from dpviz.exercises.registry import Exercise, register, check
>>> _ = register(Exercise("demo.1", "What is d(x²)/dx at x = 3?",
...                       lambda a: abs(float(a) - 6.0) < 1e-9, hint="Use 2x."))
>>> check("demo.1", 6.0).ok
True
>>> print(check("demo.1", 5.0))
✗ Not yet (demo.1). Hint: Use 2x.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from dpviz.errors import DpvizError

REGISTRY: dict[str, "Exercise"] = {}


@dataclass(frozen=True)
class Exercise:
    """One exercise: a question, a test of an answer, and a hint for a wrong one.

    ``test(answer)`` returns True/False, or a string explaining what is wrong
    (shown instead of the generic hint).

    >>> Exercise("x.1", "2 + 2?", lambda a: a == 4, hint="Count.").question
    '2 + 2?'
    """

    id: str
    question: str
    test: Callable[[Any], Any]
    hint: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class Feedback:
    """What :func:`check` answers: ``ok`` and a message (printed, or shown as the cell's result).

    >>> Feedback(True, "✓ Right.").ok
    True
    """

    ok: bool
    message: str

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        colour = "green" if self.ok else "#b35900"
        return f"<span style='color:{colour}'>{self.message}</span>"


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
    'Use 2x.'
    """
    if ex_id not in REGISTRY:
        raise DpvizError(f"no exercise {ex_id!r}; known: {', '.join(sorted(REGISTRY)) or 'none'}")
    return REGISTRY[ex_id]


def check(ex_id: str, answer: Any) -> Feedback:
    """Check ``answer`` for exercise ``ex_id``: right, or a hint (never a bare assert).

    A test that raises counts as a wrong answer, and the message says what went wrong.

    >>> print(check("demo.1", "six"))  # doctest: +ELLIPSIS
    ✗ Not yet (demo.1): your answer could not be checked (ValueError: ...). Hint: Use 2x.
    """
    ex = exercise(ex_id)
    if answer is None or answer is Ellipsis:
        return Feedback(False, f"… ({ex_id}) no answer yet: replace the ... with yours. {ex.question}")
    try:
        verdict = ex.test(answer)
    except Exception as e:  # noqa: BLE001 - a learner's answer may be anything
        tail = f" Hint: {ex.hint}" if ex.hint else ""
        return Feedback(False, f"✗ Not yet ({ex_id}): your answer could not be checked "
                               f"({type(e).__name__}: {e}).{tail}")
    if verdict is True or (verdict is not False and not isinstance(verdict, str) and bool(verdict)):
        extra = f" {ex.explanation}" if ex.explanation else ""
        return Feedback(True, f"✓ Right ({ex_id}).{extra}")
    if isinstance(verdict, str):
        return Feedback(False, f"✗ Not yet ({ex_id}): {verdict}")
    return Feedback(False, f"✗ Not yet ({ex_id}). Hint: {ex.hint}" if ex.hint else f"✗ Not yet ({ex_id}).")
