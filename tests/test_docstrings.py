"""Every public name has a docstring with a runnable example (the examples run as doctests)."""
import inspect

import dpviz as dp


def _public(obj):
    return [n for n in dir(obj) if not n.startswith("_")]


def test_every_public_name_of_dpviz_has_an_example():
    missing = []
    spaces = [("", dp), ("nn.", dp.nn), ("optim.", dp.optim)]
    for prefix, space, name in [(p, s, n) for p, s in spaces for n in _public(s)]:
        obj = getattr(space, name)
        if prefix and getattr(obj, "__module__", "") != space.__name__:
            continue
        if inspect.ismodule(obj) or not (callable(obj) or inspect.isclass(obj)):
            continue
        if name == "PRIMITIVES" or name.isupper():
            continue
        if ">>>" not in (inspect.getdoc(obj) or ""):
            missing.append(prefix + name)
    assert not missing, f"public names without a runnable example: {missing}"


def test_tensor_and_program_methods_have_examples():
    missing = []
    for cls in (dp.Tensor, dp.Program, dp.nn.Module, dp.optim.Optimizer):
        for name in _public(cls):
            attr = inspect.getattr_static(cls, name)
            if isinstance(attr, property):
                doc = attr.__doc__ or ""
            elif callable(attr) or isinstance(attr, (staticmethod, classmethod)):
                doc = inspect.getdoc(getattr(cls, name)) or ""
            else:
                continue
            if ">>>" not in doc and name not in ("T", "forward"):
                missing.append(f"{cls.__name__}.{name}")
    assert not missing, f"methods without a runnable example: {missing}"
