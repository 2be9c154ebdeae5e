"""Guards: the comparisons a traced run's control flow depended on, checked again at every replay.

``dp.trace`` records the path one run took (Definition 1, item 7: the graph is built while the
program runs). A comparison such as ``x > 0`` gives a plain boolean, so an ``if`` on it, a ``while``
loop's test or a ``dp.where`` mask enters the program as a fixed choice. Replaying the program on
inputs for which that comparison comes out differently would silently compute the *other* run's
path. So while ``dp.trace`` runs, every comparison of a tensor that depends on the inputs or
parameters is recorded as a :class:`Guard`, and a replay first re-evaluates them: if one flips,
it raises :class:`~dpviz.errors.ReplayError` and says to trace again.

>>> import dpviz as dp
>>> prog = dp.trace(lambda x: x * 2 if x > 0 else -x, 1.0)
>>> prog(5.0)
array(10.)
>>> prog(-3.0)
Traceback (most recent call last):
...
dpviz.errors.ReplayError: this replay would take another path than the traced run: `x > 0` was True when dp.trace ran the function and is False for these inputs. A Program is the graph of the path one run took (Definition 1, item 7), so it cannot compute the other path. Trace again on these inputs: dp.trace(f, *new_inputs).
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

from dpviz.context import STATE
from dpviz.node import Node

#: The comparison operators a guard can hold, by the symbol it prints.
COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
               "==": operator.eq, "!=": operator.ne}


@dataclass(frozen=True)
class Guard:
    """``left op right`` gave ``outcome`` when the program was traced.

    ``left`` and ``right`` are engine nodes (tensors of the graph) or plain arrays (numbers written in
    the program).

    >>> import numpy as np
    >>> Guard(">", np.array(1.0), np.array(0.0), np.array(True)).holds(np.array(-1.0), np.array(0.0))
    False
    """

    op: str
    left: Node | np.ndarray
    right: Node | np.ndarray
    outcome: np.ndarray

    def result(self, left, right) -> np.ndarray:
        """The comparison for these operand values.

        >>> Guard("<", np.array(1.0), np.array(2.0), np.array(True)).result(np.array([1.0, 3.0]), 2.0)
        array([ True, False])
        """
        return np.asarray(COMPARISONS[self.op](np.asarray(left), np.asarray(right)))

    def holds(self, left, right) -> bool:
        """Whether the comparison gives the traced outcome again for these operand values."""
        return bool(np.array_equal(self.result(left, right), self.outcome))


def compare(op: str, left: Node, right, result) -> None:
    """Record ``left op right`` (which gave ``result``) when a trace is running and ``left`` or ``right``
    depends on its inputs or parameters; do nothing otherwise (plain NumPy code, ``dp.no_grad``).

    >>> compare(">", None, 0.0, True) is None
    True
    """
    recording = STATE.guards
    if recording is None:
        return
    right_node = right if isinstance(right, Node) else None
    if not ((left is not None and left.requires_grad) or (right_node is not None and right_node.requires_grad)):
        return
    recording.append(Guard(op, left, right_node if right_node is not None else np.array(right, copy=True),
                           np.array(result, copy=True)))
