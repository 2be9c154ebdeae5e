"""Exercises with feedback, one module per part of the course; ``dp.check(id, answer)`` checks one.

Importing this package registers every exercise (:mod:`~dpviz.exercises.part1`,
:mod:`~dpviz.exercises.part2`) in the registry of :mod:`~dpviz.exercises.registry`.

>>> from dpviz.exercises import check
>>> check("03.2", ...).ok
False
"""
from dpviz.exercises.registry import REGISTRY, Exercise, Feedback, Verdict, check, exercise, hint, register, solution
from dpviz.exercises import citeseer, part1, part2  # noqa: E402,F401 - importing a part registers its exercises

__all__ = ["REGISTRY", "Exercise", "Feedback", "Verdict", "check", "exercise", "hint", "register", "solution"]
