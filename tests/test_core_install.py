"""The core install (``pip install dpviz``, no extras) is light and runs the engine, a drawing and a Stepper.

A fresh virtual environment gets this repository with its core dependencies only; the check
then runs in that environment: PyTorch, SciPy, tqdm and JupyterLab are absent, the engine
differentiates, a drawing renders to SVG, a Stepper steps, the parts that need an extra say
which one to install, and ``dpviz doctor`` reports what is missing.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = textwrap.dedent('''
    import importlib.util
    absent = [m for m in ("torch", "scipy", "tqdm", "jupyterlab", "notebook") if importlib.util.find_spec(m)]
    assert not absent, f"the core install pulled in {absent}"

    import numpy as np
    import dpviz as dp

    x = dp.tensor([1.0, 2.0], name="x", requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]

    prog = dp.trace(lambda x, w, b: (x * w + b).tanh(), 2.0, -3.0, 5.5)
    svg = dp.draw(prog)._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg

    stepper = dp.Stepper(prog, mode="backward").next().next()
    assert stepper.counter.startswith("step 2 of 6") and "dp-current" in stepper.svg
    # the browser viewer's front end ships inside the package (no build step, no CDN)
    assert "export default" in stepper._esm and "dpv-root" in stepper._css
    assert "mountStandalone" in stepper.to_html()

    for part in ("dpviz.gnn", "dpviz.data", "dpviz.apps.attention"):
        try:
            __import__(part)
        except dp.MissingExtraError as e:
            assert 'pip install "dpviz[torch]"' in str(e), str(e)
        else:
            raise AssertionError(f"{part} imported without torch")

    import subprocess, sys
    doctor = subprocess.run([sys.executable, "-m", "dpviz", "doctor"], capture_output=True, text=True)
    assert doctor.returncode == 0 and "torch is not installed" in doctor.stdout, doctor.stdout + doctor.stderr
    print("core install ok")
''')


@pytest.mark.slow
def test_the_core_install_runs_the_engine_a_drawing_and_a_stepper(tmp_path):
    venv = tmp_path / "core"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    run = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0 and "core install ok" in run.stdout, run.stdout[-3000:] + run.stderr[-3000:]
