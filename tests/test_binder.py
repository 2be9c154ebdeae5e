"""Binder's configuration, validated offline: repo2docker prints the Dockerfile it would build."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dpviz as dp

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
    assert "-e .[course]" in lines or ".[course]" in lines, \
        "binder must install the repository with the course's extras (versions from pyproject.toml)"
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


def test_binder_link_opens_the_welcome_notebook_of_the_named_repository():
    from urllib.parse import parse_qs, urlsplit

    from dpviz.binder import badge, binder_url

    url = urlsplit(binder_url("alice/dp-viz.course", "main"))
    assert (url.scheme, url.netloc, url.path) == ("https", "mybinder.org", "/v2/gh/alice/dp-viz.course/main")
    (urlpath,) = parse_qs(url.query)["urlpath"]
    assert urlpath == "lab/tree/notebooks/01-welcome.ipynb"
    assert (ROOT / urlpath.removeprefix("lab/tree/")).is_file()      # the notebook the link opens exists
    assert badge("alice/dpviz").endswith(f"({binder_url('alice/dpviz')})")
    for bad in ("alice", "alice/dpviz/extra", "https://github.com/alice/dpviz", "", None):
        with pytest.raises(dp.DpvizError, match="give it as OWNER/NAME"):
            binder_url(bad)


def test_binder_command_reads_the_github_remote(tmp_path):
    from dpviz.binder import binder_url, repo_from_git

    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    with pytest.raises(dp.DpvizError, match="has no git remote 'origin'"):
        repo_from_git(tmp_path)
    for remote, repo in [("https://github.com/alice/dpviz.git", "alice/dpviz"),
                         ("git@github.com:bob/dp-course.git", "bob/dp-course"),
                         ("https://github.com/carol/dpviz/", "carol/dpviz")]:
        subprocess.run([git, "-C", str(tmp_path), "remote", "remove", "origin"], capture_output=True)
        subprocess.run([git, "-C", str(tmp_path), "remote", "add", "origin", remote], check=True)
        assert repo_from_git(tmp_path) == repo
    subprocess.run([git, "-C", str(tmp_path), "remote", "set-url", "origin", "https://gitlab.com/x/y.git"], check=True)
    with pytest.raises(dp.DpvizError, match="not a GitHub repository"):
        repo_from_git(tmp_path)
    out = subprocess.run([sys.executable, "-m", "dpviz", "binder", "alice/dpviz"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == [binder_url("alice/dpviz"), f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({out[0]})"]
    bad = subprocess.run([sys.executable, "-m", "dpviz", "binder", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "give it as OWNER/NAME" in bad.stderr and "Traceback" not in bad.stderr
