"""Binder's configuration, validated offline: repo2docker prints the Dockerfile it would build."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def _repo2docker() -> str:
    exe = shutil.which("repo2docker") or str(Path(sys.executable).parent / "repo2docker")
    if not Path(exe).exists():
        pytest.fail("repo2docker is not installed: it is in the [test] extra (make test installs it)")
    return exe


def test_repo2docker_no_build_prints_the_expected_dockerfile():
    # --no-build needs no Docker engine and downloads nothing (it only writes the Dockerfile)
    res = subprocess.run([_repo2docker(), "--no-build", str(ROOT)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert res.returncode == 0, res.stderr
    runtime = (BINDER / "runtime.txt").read_text().strip()
    version = runtime.split("-", 1)[1]
    assert f"python={version}" in res.stderr or f"python{version}" in res.stdout
    dockerfile = res.stdout
    assert "apt-get -qq install" in dockerfile
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert "./binder/postBuild" in dockerfile
    # the requirements are installed after the repository is copied, so `-e .` can work
    assert dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/") < dockerfile.index(
        'pip install --no-cache-dir -r "binder/requirements.txt"')


def test_requirements_install_the_repository_and_cpu_torch_only():
    lines = [ln.strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.strip().startswith("#")]
    assert "-e ." in lines or "." in lines, "binder must install the repository (versions from pyproject.toml)"
    assert any(re.fullmatch(r"--(extra-)?index-url https://download\.pytorch\.org/whl/cpu", ln) for ln in lines)
    torch_lines = [ln for ln in lines if ln.startswith("torch")]
    assert torch_lines and all("+cpu" in ln for ln in torch_lines), "torch must be the CPU build"
    others = [ln for ln in lines if not ln.startswith(("-", "torch", "."))]
    assert others == [], f"other versions belong in pyproject.toml, not binder: {others}"


def test_runtime_is_a_python_binder_supports_and_postbuild_is_executable():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(1[0-3])", runtime)
    assert os.access(BINDER / "postBuild", os.X_OK)
    assert not (BINDER / "apt.txt").exists(), "rendering must not depend on system packages"
