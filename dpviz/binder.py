"""The "launch binder" link and badge for a public GitHub copy of this repository.

mybinder.org builds the repository from ``binder/`` and opens JupyterLab at ``urlpath``; the
link names the repository (``OWNER/NAME`` on GitHub) and a branch, tag or commit. dpviz's own
address is not written anywhere in the project, so ``python -m dpviz binder OWNER/NAME`` prints
the badge for the README (with no argument it reads ``git remote get-url origin``).

>>> print(binder_url("alice/dpviz"))
https://mybinder.org/v2/gh/alice/dpviz/HEAD?urlpath=lab%2Ftree%2Fnotebooks%2F01-welcome.ipynb
>>> binder_url("not a repo")
Traceback (most recent call last):
...
dpviz.errors.DpvizError: binder: 'not a repo' is not a GitHub repository; give it as OWNER/NAME (e.g. alice/dpviz)
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from dpviz.errors import DpvizError
from dpviz.lessons.welcome import COURSE

#: GitHub's rules for names, loosely: letters, digits, '-', '_' and '.'; owners without '.'.
_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$")
_GITHUB_REMOTE = re.compile(r"github\.com[:/]([^/]+/[^/]+?)(?:\.git)?/?$")


def first_notebook() -> str:
    """The notebook a newcomer starts with: the first of the course map, as a repository path.

    >>> first_notebook()
    'notebooks/01-welcome.ipynb'
    """
    return f"notebooks/{COURSE[0].file}"


def binder_url(repo: str, ref: str = "HEAD", notebook: str | None = None) -> str:
    """The mybinder.org link that builds ``repo`` at ``ref`` and opens ``notebook`` in JupyterLab.

    >>> binder_url("alice/dpviz", "v1.0", "notebooks/02-programs-are-graphs.ipynb").split("/v2/gh/")[1]
    'alice/dpviz/v1.0?urlpath=lab%2Ftree%2Fnotebooks%2F02-programs-are-graphs.ipynb'
    """
    if not isinstance(repo, str) or not _REPO.match(repo):
        raise DpvizError(f"binder: {repo!r} is not a GitHub repository; give it as OWNER/NAME (e.g. alice/dpviz)")
    if not ref or any(c in ref for c in " ?#"):
        raise DpvizError(f"binder: {ref!r} is not a branch, tag or commit (e.g. main or HEAD)")
    path = notebook or first_notebook()
    return f"https://mybinder.org/v2/gh/{repo}/{quote(ref, safe='')}?urlpath={quote('lab/tree/' + path, safe='')}"


def badge(repo: str, ref: str = "HEAD") -> str:
    """The README line: mybinder's badge linking to :func:`binder_url`.

    >>> badge("alice/dpviz").startswith("[![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://")
    True
    """
    return f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo, ref)})"


def repo_from_git(cwd: str | Path = ".") -> str:
    """``OWNER/NAME`` of the ``origin`` remote of the git checkout at ``cwd``, if it is on GitHub.

    >>> import tempfile
    >>> repo_from_git(tempfile.gettempdir())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dpviz.errors.DpvizError: binder: ... has no git remote 'origin' ...
    """
    try:
        done = subprocess.run(["git", "remote", "get-url", "origin"], cwd=cwd, capture_output=True, text=True)
    except OSError:
        raise DpvizError("binder: git is not installed; give the repository as OWNER/NAME") from None
    url = done.stdout.strip()
    if done.returncode != 0 or not url:
        raise DpvizError(f"binder: {str(Path(cwd).resolve())!r} has no git remote 'origin' (a clone of the public repository "
                         "has one); give the repository as OWNER/NAME")
    match = _GITHUB_REMOTE.search(url)
    if not match:
        raise DpvizError(f"binder: the remote 'origin' is {url!r}, not a GitHub repository; "
                         "mybinder.org's /v2/gh/ links need one: give OWNER/NAME")
    return match.group(1)


def main(argv: list[str] | None = None) -> int:
    """``dpviz binder [OWNER/NAME] [--ref REF]``: print the link and the README badge.

    >>> main(["alice/dpviz", "--ref", "main"])  # doctest: +ELLIPSIS
    https://mybinder.org/v2/gh/alice/dpviz/main?urlpath=lab%2Ftree%2Fnotebooks%2F01-welcome.ipynb
    [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/alice/dpviz/main?...)
    0
    """
    import argparse

    parser = argparse.ArgumentParser(prog="dpviz binder", description="Print the mybinder.org link and README "
                                     "badge that open JupyterLab on the welcome notebook.")
    parser.add_argument("repo", nargs="?", help="OWNER/NAME on GitHub (default: from `git remote get-url origin`)")
    parser.add_argument("--ref", default="HEAD", help="branch, tag or commit to build (default: HEAD, the default branch)")
    args = parser.parse_args(argv)
    try:
        repo = args.repo or repo_from_git()
        print(binder_url(repo, args.ref))
        print(badge(repo, args.ref))
    except DpvizError as exc:
        print(f"dpviz {exc}", file=sys.stderr)
        return 2
    return 0
