"""Global switches of the engine: grad mode, the current scope, anomaly detection.

They live in one small object so that the hot path of every operation reads
them with a single attribute lookup each.

>>> import dpviz as dp
>>> with dp.no_grad():
...     (dp.tensor(2.0, requires_grad=True) * 3).requires_grad
False
"""
from __future__ import annotations

import contextlib
from typing import Iterator

from dpviz.errors import DpvizError


class _State:
    __slots__ = ("grad_enabled", "scope", "anomaly", "depth", "guards")

    def __init__(self) -> None:
        self.grad_enabled = True   # record graphs at all?
        self.scope = ""            # "mlp/layer0": where new nodes are created
        self.anomaly = False       # check every value and gradient for NaN/inf?
        self.depth = 0             # >0 while a dp.grad / dp.trace is running: nested calls keep graphs
        self.guards = None         # while dp.trace runs: the comparisons its control flow depended on


STATE = _State()


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Run a block without recording graphs (e.g. an optimiser step).

    >>> import dpviz as dp
    >>> x = dp.tensor(1.0, requires_grad=True)
    >>> with dp.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """
    old = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        yield
    finally:
        STATE.grad_enabled = old


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record graphs again inside a ``no_grad`` block.

    >>> import dpviz as dp
    >>> with dp.no_grad():
    ...     with dp.enable_grad():
    ...         (dp.tensor(1.0, requires_grad=True) * 2).requires_grad
    True
    """
    old = STATE.grad_enabled
    STATE.grad_enabled = True
    try:
        yield
    finally:
        STATE.grad_enabled = old


@contextlib.contextmanager
def scope(name: str) -> Iterator[None]:
    """Tag every node created in the block with ``name`` (nested scopes join with ``/``).

    Pictures group the nodes of one scope into a cluster; ``dp.nn`` modules open
    a scope named after themselves.

    >>> import dpviz as dp
    >>> x = dp.tensor(1.0, requires_grad=True)
    >>> with dp.scope("encoder"):
    ...     with dp.scope("layer0"):
    ...         y = x * 2
    >>> y.scope
    'encoder/layer0'
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise DpvizError(f"dp.scope needs a non-empty name without '/'; got {name!r}")
    old = STATE.scope
    STATE.scope = f"{old}/{name}" if old else name
    try:
        yield
    finally:
        STATE.scope = old


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``dp.AnomalyError`` at the first node whose value or gradient is NaN or infinite.

    >>> import dpviz as dp, numpy as np
    >>> x = dp.tensor(-1.0, requires_grad=True)
    >>> with dp.detect_anomaly(), np.errstate(invalid="ignore"):
    ...     try:
    ...         x.log()
    ...     except dp.AnomalyError as e:
    ...         print("caught")
    caught
    """
    old = STATE.anomaly
    STATE.anomaly = True
    try:
        yield
    finally:
        STATE.anomaly = old
