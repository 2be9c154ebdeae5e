"""Which Python variable held a value: how a picture calls a constant ``y`` rather than ``const10``.

A program's constants are values the traced code read from its surroundings: a target ``y``
in a global, weights ``W_q`` in a closure, a field ``w.Wq`` of an object there. The engine
keeps each constant as the very object the code passed (see :func:`dpviz.record.bind`), so
matching *identity* against the variables in scope finds the name the learner wrote. Only
objects are matched that a program can hold as constants (arrays, floats, tensors); small
integers and booleans are left out because Python shares one object for every ``2``.

>>> import numpy as np
>>> y = np.ones(3)
>>> names_by_id({"y": y, "_hidden": np.zeros(1), "n": 2})[id(y)]
'y'
>>> len(names_by_id({"_hidden": np.zeros(1), "n": 2}))
0
"""
from __future__ import annotations

import sys
import types
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from dpviz.node import Handle

# Namespaces are searched by identity only, so scanning them is cheap; attributes are looked at
# one level deep (``w.Wq``) and only on plain objects, at most this many per object.
_MAX_ATTRS = 64
_SKIP_TYPES = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def _key(value: Any) -> int | None:
    """The identity a program keeps for ``value``: a tensor's node, or the object itself."""
    if isinstance(value, Handle):
        return id(value._node)
    if isinstance(value, (np.ndarray, float, np.floating)) and not isinstance(value, bool):
        return id(value)
    return None


def _attributes(obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, (_SKIP_TYPES, Handle, np.ndarray, str, bytes, Mapping, list, tuple)):
        return
    fields = getattr(obj, "__dict__", None)
    if not isinstance(fields, dict) or len(fields) > _MAX_ATTRS:
        return
    yield from fields.items()


def names_by_id(namespace: Mapping[str, Any]) -> dict[int, str]:
    """Map the identity of every nameable value in ``namespace`` to the name that holds it.

    Private names (``_x``) are skipped; a plain object's public attributes are named
    ``obj.attr``. The first name found for a value wins, and a variable wins over an attribute.

    >>> import numpy as np, types
    >>> w = types.SimpleNamespace(Wq=np.eye(2))
    >>> names_by_id({"w": w})[id(w.Wq)]
    'w.Wq'
    """
    found: dict[int, str] = {}
    later: list[tuple[str, Any]] = []
    for name, value in namespace.items():
        if not isinstance(name, str) or name.startswith("_"):
            continue
        key = _key(value)
        if key is not None:
            found.setdefault(key, name)
        else:
            later.append((name, value))
    for name, obj in later:
        for attr, value in _attributes(obj):
            if isinstance(attr, str) and not attr.startswith("_"):
                key = _key(value)
                if key is not None:
                    found.setdefault(key, f"{name}.{attr}")
    return found


def _code_names(code: types.CodeType) -> set[str]:
    """Global names a function's code reads, its nested functions' and lambdas' included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def function_namespace(f: Callable) -> dict[str, Any]:
    """The variables a function can read besides its arguments: its closure, then the globals it names.

    >>> import numpy as np
    >>> target = np.zeros(2)
    >>> def loss(x):
    ...     return x - target
    >>> "target" in function_namespace(loss)
    True
    """
    f = getattr(f, "__func__", f)
    code = getattr(f, "__code__", None)
    if code is None:
        return {}
    space: dict[str, Any] = {}
    for name, cell in zip(code.co_freevars, getattr(f, "__closure__", None) or ()):
        try:
            space[name] = cell.cell_contents
        except ValueError:        # a closure variable not assigned yet
            continue
    glob = getattr(f, "__globals__", {})
    for name in _code_names(code):
        if name in glob and name not in space:
            space[name] = glob[name]
    return space


def caller_namespace() -> dict[str, Any]:
    """The locals and globals of the nearest caller outside dpviz (a notebook cell, a script).

    >>> cell = {"__name__": "__main__", "caller_namespace": caller_namespace}
    >>> exec("here = 1.5; seen = caller_namespace()", cell)
    >>> cell["seen"]["here"]
    1.5
    """
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "dpviz":
        frame = frame.f_back
    if frame is None:
        return {}
    space = dict(frame.f_globals)
    space.update(frame.f_locals)
    return space
