"""Run-time settings shared by the notebooks: quick mode, the compute device, where data lives.

Quick mode (fewer epochs, seeds and points) is what CI and the test suite run;
it is on when ``DPVIZ_QUICK=1``, or when ``CI`` is set and ``DPVIZ_QUICK`` is not ``0``. A notebook
whose full setting takes minutes on a CPU marks itself *heavy*: on a machine without a GPU it
defaults to quick mode too (every notebook's default finishes in under two minutes on 2 cores),
and ``DPVIZ_QUICK=0`` still runs it in full.

>>> import os
>>> os.environ["DPVIZ_QUICK"] = "1"; quick_mode()
True
>>> os.environ["DPVIZ_QUICK"] = "0"; quick_mode()
False
>>> del os.environ["DPVIZ_QUICK"]
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from dpviz.errors import DpvizError
from dpviz.extras import require_extra


def quick_mode(heavy: bool = False) -> bool:
    """True when notebooks and experiments should run their small, fast setting.

    ``DPVIZ_QUICK`` decides when it is set; otherwise CI runs quick, and so does a ``heavy``
    experiment (one whose full setting takes minutes on a CPU) on a machine where torch sees no GPU.

    >>> isinstance(quick_mode(), bool)
    True
    """
    flag = os.environ.get("DPVIZ_QUICK", "").strip().lower()
    if flag in ("1", "true", "yes"):
        return True
    if flag in ("0", "false", "no"):
        return False
    return bool(os.environ.get("CI")) or (heavy and not gpu_visible())


def site_mode() -> bool:
    """True while ``dpviz site`` executes the notebooks (it sets ``DPVIZ_SITE=1`` for their kernels).

    The widgets then also put into their output the HTML a page without a kernel can show: a
    Stepper its standalone viewer, the live training view its final figure (see :mod:`dpviz.site`).

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"DPVIZ_SITE": "1"}):
    ...     site_mode()
    True
    >>> with mock.patch.dict(os.environ, {"DPVIZ_SITE": ""}):
    ...     site_mode()
    False
    """
    return os.environ.get("DPVIZ_SITE", "").strip().lower() in ("1", "true", "yes")


def gpu_visible() -> bool:
    """Whether torch is installed and sees a CUDA GPU.

    >>> isinstance(gpu_visible(), bool)
    True
    """
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def mirror_dir() -> Path | None:
    """The folder named by ``DPVIZ_DATA`` (a folder holding the Planetoid raw files), absolute; None if unset.

    A relative value is resolved against the folder it is first read in and written back to
    the environment as an absolute path, so that processes started afterwards from other
    folders (notebook kernels run in the notebook's folder) read the same one.

    >>> import os, tempfile
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"DPVIZ_DATA": "data/planetoid"}):
    ...     os.path.isabs(mirror_dir()) and os.path.isabs(os.environ["DPVIZ_DATA"])
    True
    """
    raw = os.environ.get("DPVIZ_DATA")
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = path.resolve()
        os.environ["DPVIZ_DATA"] = str(path)
    return path


def torch_device(prefer: str = "auto"):
    """The torch device to use: CUDA when present (``"auto"``), else CPU; or the one named.

    >>> str(torch_device("cpu"))
    'cpu'
    """
    require_extra("torch", "dpviz.settings.torch_device")
    import torch

    if prefer == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if prefer == "cuda" and not torch.cuda.is_available():
        raise DpvizError("device 'cuda' was asked for, but torch sees no GPU; use 'auto' or 'cpu'")
    if prefer not in ("cpu", "cuda") and not prefer.startswith("cuda:"):
        raise DpvizError(f"device must be 'auto', 'cpu' or 'cuda'; got {prefer!r}")
    return torch.device(prefer)


def mode_note(heavy: bool = False) -> str:
    """One line for a notebook to print: which mode and device it runs in, and why.

    ``heavy`` as in :func:`quick_mode`: the line then says when quick mode was chosen for the CPU.

    >>> "mode" in mode_note()
    True
    """
    dev = "GPU (CUDA)" if gpu_visible() else "CPU (no GPU visible)"
    if not quick_mode(heavy):
        return f"Running in full mode on {dev}."
    note = f"Running in quick mode (small settings, as in CI) on {dev}."
    if not quick_mode():        # quick only because this notebook is heavy and there is no GPU
        note += (" On a CPU this notebook's full setting takes several minutes, so quick mode is the"
                 " default here; set DPVIZ_QUICK=0 before starting Jupyter to run it in full.")
    return note


class ModeSettings:
    """Base of the experiment-size dataclasses: the defaults are the full setting, ``QUICK`` the CI one.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Sizes(ModeSettings):
    ...     epochs: int = 100
    ...     QUICK: ClassVar[dict] = {"epochs": 5}
    >>> Sizes.for_mode(quick=True).epochs, Sizes.for_mode(quick=False).epochs
    (5, 100)
    """

    QUICK: ClassVar[dict] = {}
    #: True for experiments whose full setting takes minutes on a CPU: with no GPU they default to quick.
    HEAVY: ClassVar[bool] = False

    @classmethod
    def for_mode(cls, quick: bool | None = None):
        """The CI setting when ``quick`` (default: :func:`quick_mode`), else the full one.

        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class Sizes(ModeSettings):
        ...     epochs: int = 100
        ...     QUICK: ClassVar[dict] = {"epochs": 5}
        >>> Sizes.for_mode(quick=True), Sizes.for_mode(quick=False)
        (Sizes(epochs=5), Sizes(epochs=100))
        """
        quick = quick_mode(cls.HEAVY) if quick is None else quick
        return cls(**cls.QUICK) if quick else cls()

    @classmethod
    def quick_changes(cls) -> dict:
        """What quick mode changes: ``{field: (quick value, full value)}`` for the fields that differ.

        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class Sizes(ModeSettings):
        ...     epochs: int = 100
        ...     seeds: int = 10
        ...     QUICK: ClassVar[dict] = {"epochs": 5, "seeds": 10}
        >>> Sizes.quick_changes()
        {'epochs': (5, 100)}
        """
        quick, full = cls.for_mode(quick=True), cls.for_mode(quick=False)
        return {k: (getattr(quick, k), getattr(full, k)) for k in cls.QUICK
                if getattr(quick, k) != getattr(full, k)}
