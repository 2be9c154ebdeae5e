"""The optional parts of dpviz, and the clear error when one is used without its extra.

The core install (``pip install dpviz``) holds the engine, the pictures, the analysis and
the widgets.  The scale-up part needs PyTorch and friends, the course needs JupyterLab:

* ``dpviz[torch]`` - PyTorch, SciPy and tqdm, for :mod:`dpviz.gnn`, :mod:`dpviz.data` and the
  PyTorch applications of part 2;
* ``dpviz[lab]`` - JupyterLab and Notebook 7, to open the course;
* ``dpviz[course]`` - both; ``dpviz[test]`` - the course and the test tools;
* ``dpviz[site]`` - the torch part and what ``dpviz site`` executes and renders the notebooks with.

A module that needs an extra calls :func:`require_extra` before importing it, so that a
missing package is reported with the command that installs it, not as a bare ``ImportError``.

>>> require_extra("torch", "dpviz.gnn")   # nothing happens when the extra is installed
>>> sorted(EXTRAS)
['lab', 'site', 'torch']
"""
from __future__ import annotations

import importlib.util

from dpviz.errors import MissingExtraError

#: Each extra and the packages it installs (import names), with the name a learner knows them by.
EXTRAS: dict[str, dict[str, str]] = {
    "torch": {"torch": "PyTorch", "scipy": "SciPy", "tqdm": "tqdm"},
    "lab": {"jupyterlab": "JupyterLab", "notebook": "Jupyter Notebook 7"},
    "site": {"nbclient": "nbclient", "nbformat": "nbformat", "nbconvert": "nbconvert", "ipykernel": "ipykernel",
             "latex2mathml": "latex2mathml"},
}
#: What installs an extra for those who do not pip install by hand.
_MAKE = {"site": "make site installs it"}


def missing_extra(package: str, part: str) -> MissingExtraError:
    """The error for ``part`` (a module or a feature) needing ``package``, naming the extra to install.

    >>> str(missing_extra("jupyterlab", "make lab")).split(". ")[0]
    'make lab needs JupyterLab (the package jupyterlab), which the core install of dpviz leaves out'
    """
    extra = next(name for name, packages in EXTRAS.items() if package in packages)
    title = EXTRAS[extra][package]
    how = (f"({_MAKE[extra]})" if extra in _MAKE
           else '(or "dpviz[course]" for the whole course; make lab installs it)')
    return MissingExtraError(
        f"{part} needs {title} (the package {package}), which the core install of dpviz leaves out. "
        f'Install the extra: pip install "dpviz[{extra}]" {how}.')


def require_extra(extra: str, part: str) -> None:
    """Raise :class:`~dpviz.errors.MissingExtraError` unless every package of ``extra`` can be imported.

    Only looks the packages up (nothing heavy is imported here).

    >>> from unittest import mock
    >>> with mock.patch("importlib.util.find_spec", return_value=None):    # as if nothing were installed
    ...     require_extra("torch", "dpviz.gnn")
    Traceback (most recent call last):
    ...
    dpviz.errors.MissingExtraError: dpviz.gnn needs PyTorch (the package torch), which the core install ...
    """
    for package in EXTRAS[extra]:
        if importlib.util.find_spec(package) is None:
            raise missing_extra(package, part)
