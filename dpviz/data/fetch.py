"""Find the Planetoid raw files on disk, or download and verify them.

Search order for dataset ``name`` (first folder holding all eight files wins):

1. the ``root`` argument, when given;
2. the folder named by the environment variable ``DPVIZ_DATA``, a folder holding the raw files
   (read only; a relative path is taken from where it is first read, see
   :func:`dpviz.settings.mirror_dir`);
3. the cache: ``<repo>/data/planetoid`` for a source checkout, else ``~/.cache/dpviz/planetoid``
   (override with ``DPVIZ_CACHE``).

If none has them, the files are downloaded from ``base_url`` (argument, else the environment
variable ``DPVIZ_PLANETOID_URL``, else the Planetoid project's GitHub folder) into ``root`` or the
cache.  Every file, found or downloaded, must match its SHA-256 in
:data:`dpviz.data.checksums.PLANETOID_SHA256`; a download is streamed into a temporary file in the
target folder and renamed into place only after its sum matched, so an interrupted or corrupted
download never leaves a file that looks complete.

The examples run offline: they read the mirror named by ``DPVIZ_DATA`` (CI sets it), or a
cache that already holds the files.

>>> from dpviz.data.fetch import locate_raw_files
>>> folder = locate_raw_files("citeseer", download=False)
>>> len(list(folder.glob("ind.citeseer.*"))) >= 8
True
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm

from dpviz.data.checksums import PLANETOID_SHA256, raw_file_names
from dpviz.data.errors import ChecksumMismatchError, DataUnavailableError, UnknownDatasetError
from dpviz.settings import mirror_dir

#: Where the Planetoid project publishes its raw files.
DEFAULT_BASE_URL = "https://github.com/kimiyoung/planetoid/raw/master/data"
_CHUNK = 1 << 16


def known_datasets() -> list[str]:
    """Names of the datasets whose checksums dpviz keeps.

    >>> known_datasets()
    ['citeseer', 'cora']
    """
    return sorted(PLANETOID_SHA256)


def check_name(name: str) -> str:
    """The key of a known dataset, from its name in any case; a clear error for anything else.

    >>> check_name("CiteSeer")
    'citeseer'
    >>> check_name(None)
    Traceback (most recent call last):
    ...
    dpviz.data.errors.UnknownDatasetError: the dataset name must be a string such as 'citeseer'; got None (NoneType); dpviz knows citeseer, cora
    """
    if not isinstance(name, str):
        raise UnknownDatasetError(f"the dataset name must be a string such as 'citeseer'; got {name!r} "
                                  f"({type(name).__name__}); dpviz knows {', '.join(known_datasets())}")
    key = name.lower()
    if key not in PLANETOID_SHA256:
        raise UnknownDatasetError(
            f"unknown Planetoid dataset {name!r}; dpviz knows {', '.join(known_datasets())}"
        )
    return key


def cache_dir() -> Path:
    """The default download folder.

    A source checkout keeps data in its ``data/`` folder (git-ignored) so a learner finds it next
    to the notebooks; an installed package uses the user's cache folder instead.

    >>> cache_dir().name
    'planetoid'
    """
    if os.environ.get("DPVIZ_CACHE"):
        return Path(os.environ["DPVIZ_CACHE"]).expanduser()
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file() and (repo / "dpviz").is_dir():
        return repo / "data" / "planetoid"
    return Path.home() / ".cache" / "dpviz" / "planetoid"


def candidate_dirs(root: str | os.PathLike[str] | None = None) -> list[Path]:
    """The folders searched, in order (see the module docstring).

    >>> candidate_dirs("/tmp/x")[0]
    PosixPath('/tmp/x')
    """
    dirs: list[Path] = []
    if root is not None:
        dirs.append(Path(root).expanduser())
    mirror = mirror_dir()
    if mirror is not None:
        dirs.append(mirror)
    dirs.append(cache_dir())
    return dirs


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file, read in chunks.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f"; _ = p.write_bytes(b"")
    >>> sha256_of(p)[:8]
    'e3b0c442'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected: str) -> None:
    """Raise :class:`ChecksumMismatchError` unless ``path`` has SHA-256 ``expected``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ind.cora.x"; _ = p.write_bytes(b"junk")
    >>> try:
    ...     verify_file(p, "0" * 64)
    ... except ChecksumMismatchError:
    ...     print("rejected")
    rejected
    """
    actual = sha256_of(path)
    if actual != expected:
        raise ChecksumMismatchError(
            f"{path}: SHA-256 {actual[:16]}... does not match the expected {expected[:16]}...; "
            f"the file is truncated or altered and was not used. Delete it and load again "
            f"(dpviz will download a fresh copy) or replace it with the original file."
        )


def _has_all(folder: Path, name: str) -> bool:
    return all((folder / fname).is_file() for fname in raw_file_names(name))


def download_file(url: str, target: Path, expected: str, *, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``target`` atomically, verifying its SHA-256 on the way.

    The bytes go to a temporary file in ``target``'s folder (same file system, so the final
    ``os.replace`` is atomic); the temporary file is removed on any failure.

    Any URL ``urllib`` opens works, ``file://`` included — which lets this example run offline:

    >>> import tempfile
    >>> src = locate_raw_files("citeseer", download=False) / "ind.citeseer.y"
    >>> target = Path(tempfile.mkdtemp()) / "ind.citeseer.y"
    >>> sha = PLANETOID_SHA256["citeseer"]["ind.citeseer.y"]
    >>> download_file(src.as_uri(), target, sha).read_bytes() == src.read_bytes()
    True
    >>> download_file(src.as_uri(), target.with_name("altered"), "0" * 64)
    Traceback (most recent call last):
    ...
    dpviz.data.errors.ChecksumMismatchError: downloaded file://... does not match ...
    >>> sorted(p.name for p in target.parent.iterdir())  # nothing half-written is left behind
    ['ind.citeseer.y']
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=target.name, leave=False,
                      disable=None) as bar:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected:
            raise ChecksumMismatchError(
                f"downloaded {url}: SHA-256 {actual[:16]}... does not match the expected "
                f"{expected[:16]}...; the file was discarded (truncated or altered download)."
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def locate_raw_files(
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    base_url: str | None = None,
) -> Path:
    """Return the folder holding the verified raw files of ``name``, downloading if needed.

    >>> folder = locate_raw_files("citeseer", download=False)  # offline: the mirror or the cache
    >>> sorted(p.name for p in folder.glob("ind.citeseer.*"))[:1]
    ['ind.citeseer.allx']
    """
    key = check_name(name)
    sums = PLANETOID_SHA256[key]
    if root is not None and Path(root).exists() and not Path(root).is_dir():
        raise DataUnavailableError(f"root={str(root)!r} is a file, not a folder; pass the folder that holds "
                                   f"the files ind.{key}.* (or one to download them into)")
    searched = candidate_dirs(root)
    for folder in searched:
        if _has_all(folder, key):
            for fname in raw_file_names(key):
                verify_file(folder / fname, sums[fname])
            return folder

    target = searched[0] if root is not None else cache_dir()
    how_to = (
        f"Provide the files ind.{key}.* (from https://github.com/kimiyoung/planetoid, folder "
        f"data/) in one of: {', '.join(str(d) for d in searched)} - e.g. set the environment "
        f"variable DPVIZ_DATA to a folder holding them, or pass root=..."
    )
    if not download:
        partial = [d for d in searched if any((d / f).is_file() for f in raw_file_names(key))]
        if partial:      # some files are there: say which are missing
            missing = [f for f in raw_file_names(key) if not (partial[0] / f).is_file()]
            raise DataUnavailableError(f"{partial[0]} holds some of the {key} raw files but not "
                                       f"{', '.join(missing)}. {how_to}")
        raise DataUnavailableError(f"the {key} raw files are not on disk. {how_to}")
    url_base = (base_url or os.environ.get("DPVIZ_PLANETOID_URL") or DEFAULT_BASE_URL).rstrip("/")
    for fname in raw_file_names(key):
        path = target / fname
        if path.is_file():
            verify_file(path, sums[fname])
            continue
        try:
            download_file(f"{url_base}/{fname}", path, sums[fname])
        except OSError as exc:  # URLError, refused connection, timeout, full disk
            raise DataUnavailableError(
                f"could not download {url_base}/{fname} ({exc}); are you offline? {how_to}"
            ) from exc
    return target


def planetoid_status(names: list[str] | None = None) -> dict[str, dict[str, object]]:
    """Where each dataset's raw files are and whether they verify (for ``dpviz doctor``).

    Never downloads.  For each dataset: ``folder`` (the first folder holding all files, or
    ``None``), ``present`` (files found there), ``verified`` (all checksums match), ``searched``.

    >>> status = planetoid_status(["citeseer"])
    >>> sorted(status["citeseer"])
    ['folder', 'present', 'problem', 'searched', 'verified']
    """
    report: dict[str, dict[str, object]] = {}
    for key in names or known_datasets():
        key = check_name(key)
        searched = candidate_dirs()
        entry: dict[str, object] = {
            "folder": None, "present": 0, "verified": False, "problem": None,
            "searched": [str(d) for d in searched],
        }
        for folder in searched:
            if _has_all(folder, key):
                entry["folder"] = str(folder)
                entry["present"] = len(raw_file_names(key))
                try:
                    for fname in raw_file_names(key):
                        verify_file(folder / fname, PLANETOID_SHA256[key][fname])
                    entry["verified"] = True
                except ChecksumMismatchError as exc:
                    entry["problem"] = str(exc)
                break
        if entry["folder"] is None:
            entry["problem"] = "not on disk (will be downloaded on first use)"
        report[key] = entry
    return report
