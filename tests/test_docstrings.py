"""Every public name has a docstring example that runs.

pytest runs the examples (``--doctest-modules`` over ``dpviz/``); this test checks that every
public name *has* one that the doctest collector finds - an example written on a method that
is attached to a class from another module, say, would never be collected and never run.  A
method or property also counts as shown when an example of its own class uses it, or when it
overrides a base-class member that has one.  Examples must say something the code does:
``issubclass(X, Y)`` only restates a class line.
"""
from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
import sys

import dpviz as dp
import dpviz.widgets

#: Modules whose every public name is covered, besides what the namespaces below export.
MODULES = ["dpviz.errors", "dpviz.extras", "dpviz.settings", "dpviz.context", "dpviz.node", "dpviz.record", "dpviz.primitives",
           "dpviz.inplace", "dpviz.reverse", "dpviz.tensors", "dpviz.steps", "dpviz.program",
           "dpviz.functional", "dpviz.nn", "dpviz.optim", "dpviz.gradchecker", "dpviz.analysis",
           "dpviz.site", "dpviz.site.build", "dpviz.site.render"]

_FOUND: dict[str, dict[str, doctest.DocTest]] = {}


def _collected(module: str) -> dict[str, doctest.DocTest]:
    """The doctests with at least one example that doctest finds in ``module``, by name."""
    if module not in _FOUND:
        tests = doctest.DocTestFinder().find(sys.modules[module])
        _FOUND[module] = {t.name: t for t in tests if t.examples}
    return _FOUND[module]


def _spaces():
    yield from (dp, dp.nn, dp.optim, dp.widgets, dp.analysis)
    yield from (importlib.import_module(m) for m in MODULES)


def _public():
    """(module, qualified name, owning class or None) of every public function, class, method and property."""
    seen = set()
    for space in _spaces():
        names = getattr(space, "__all__", None) or [n for n in dir(space) if not n.startswith("_")]
        for name in names:
            obj = getattr(space, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            if not getattr(obj, "__module__", "").startswith("dpviz"):
                continue
            seen.add(id(obj))
            yield obj.__module__, obj.__qualname__, None
            if inspect.isclass(obj):
                for attr, val in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(val, (staticmethod, classmethod)):
                        val = val.__func__
                    if inspect.isfunction(val) or isinstance(val, property):
                        yield obj.__module__, f"{obj.__qualname__}.{attr}", obj


def _shown(module: str, qualname: str, cls) -> bool:
    found = _collected(module)
    if f"{module}.{qualname}" in found:
        return True
    if cls is None:
        return False
    attr = qualname.rsplit(".", 1)[1]
    own = found.get(f"{module}.{cls.__qualname__}")
    if own is not None and any(re.search(rf"\.{attr}\b", ex.source) for ex in own.examples):
        return True
    for base in cls.__mro__[1:]:
        if attr in vars(base) and base.__module__.startswith("dpviz"):
            importlib.import_module(base.__module__)
            if _shown(base.__module__, f"{base.__qualname__}.{attr}", base):
                return True
    return False


def test_every_public_name_has_an_example_that_is_collected():
    missing = [f"{m}.{q}" for m, q, cls in _public() if not _shown(m, q, cls)]
    assert not missing, f"public names without a collected, runnable example: {missing}"


def test_the_check_sees_methods_and_properties():
    names = {f"{m}.{q}" for m, q, _ in _public()}
    assert {"dpviz.tensors.Tensor.shape", "dpviz.program.Program.backward_steps",
            "dpviz.widgets.stepper.Stepper.goto", "dpviz.nn.Parameter"} <= names
    # the operators are explicit methods of the class, each with an example of its own
    for op in ("__add__", "__mul__", "__matmul__", "__getitem__", "__neg__"):
        assert f"dpviz.tensors.Tensor.{op}" in _collected("dpviz.tensors"), op


def test_no_example_only_restates_a_class_line():
    restating = []
    for info in pkgutil.walk_packages(dp.__path__, "dpviz."):
        module = importlib.import_module(info.name)
        for test in doctest.DocTestFinder().find(module):
            for ex in test.examples:
                if re.match(r"\s*issubclass\(", ex.source):
                    restating.append(test.name)
    assert not restating, f"examples that restate a class line (show the error being raised instead): {restating}"
