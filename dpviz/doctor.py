"""``dpviz doctor``: what this installation has, in plain words.

>>> from dpviz.doctor import report
>>> sorted(report(check_data=False))[:2]
['gpu', 'packages']
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import platform
import sys

from dpviz.pictures.renderer import find_renderer

PACKAGES = ["dpviz", "numpy", "scipy", "torch", "graphviz", "graphviz-pure", "networkx", "ipywidgets",
            "plotly", "jupyterlab", "torch-geometric"]


def _version(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def report(check_data: bool = True) -> dict:
    """Versions, renderer, GPU and data status as a dict (what ``dpviz doctor`` prints).

    >>> "renderer" in report(check_data=False)
    True
    """
    out: dict = {"python": platform.python_version(), "platform": platform.platform(),
                 "packages": {p: _version(p) for p in PACKAGES}}
    try:
        r = find_renderer()
        out["renderer"] = f"{r.kind} ({r.path})"
    except Exception as e:  # noqa: BLE001 - the doctor reports every failure in words
        out["renderer"] = f"none: {e}"
    try:
        import torch
        if torch.cuda.is_available():
            out["gpu"] = f"CUDA: {torch.cuda.get_device_name(0)} (torch {torch.__version__})"
        else:
            out["gpu"] = ("none visible: the scale-up notebooks run on CPU in quick mode"
                          f" (torch {torch.__version__}{', a CPU build' if '+cpu' in torch.__version__ else ''})")
    except ImportError:
        out["gpu"] = 'torch is not installed: the scale-up notebooks need it (pip install "dpviz[torch]"; make lab installs it)'
    if check_data:
        try:
            from dpviz.data.fetch import cache_dir, planetoid_status
            out["data_cache"] = str(cache_dir())
            out["planetoid"] = planetoid_status()
        except Exception as e:  # noqa: BLE001
            out["planetoid"] = f"unknown: {e}"
    return out


def main(argv=None) -> int:
    """Print the report.

    >>> main(["--no-data"])  # doctest: +ELLIPSIS
    dpviz doctor...
    0
    """
    parser = argparse.ArgumentParser(prog="dpviz doctor", description="What is installed: versions, graph "
                                     "renderer, GPU and the Planetoid data files.")
    parser.add_argument("--no-data", action="store_true", help="skip checking the data files")
    args = parser.parse_args(argv)
    rep = report(check_data=not args.no_data)
    print(f"dpviz doctor (Python {rep['python']}, {rep['platform']})")
    print("packages:")
    for name, ver in rep["packages"].items():
        print(f"  {name:<16} {ver or 'not installed'}")
    print(f"graph renderer:  {rep['renderer']}")
    print(f"GPU:             {rep['gpu']}")
    if "planetoid" in rep:
        print(f"data cache:      {rep.get('data_cache', '?')}")
        if isinstance(rep["planetoid"], dict):
            for name, st in rep["planetoid"].items():
                state = ("present and verified" if st["verified"] else st["problem"] or "not verified")
                print(f"  {name:<10} {state}{' in ' + st['folder'] if st['folder'] else ''}")
        else:
            print(f"  {rep['planetoid']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
