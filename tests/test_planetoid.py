"""dpviz.data: reading the Planetoid raw files, finding them, downloading and verifying them."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

from dpviz.data import (
    ChecksumMismatchError,
    DataUnavailableError,
    DpvizDataError,
    UnknownDatasetError,
    planetoid,
    planetoid_status,
)
from dpviz.data.checksums import raw_file_names

REPO = Path(__file__).resolve().parents[1]


def _mirror() -> Path | None:
    for candidate in (os.environ.get("DPVIZ_DATA"), REPO.parent / "shared" / "data" / "planetoid"):
        if candidate and (Path(candidate) / "ind.citeseer.x").is_file():
            return Path(candidate)
    return None


MIRROR = _mirror()
needs_mirror = pytest.mark.skipif(MIRROR is None, reason="no offline Planetoid mirror (set DPVIZ_DATA)")


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No mirror and an empty cache: the loader sees only what the test provides."""
    monkeypatch.delenv("DPVIZ_DATA", raising=False)
    monkeypatch.delenv("DPVIZ_PLANETOID_URL", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("DPVIZ_CACHE", str(cache))
    return cache


@pytest.fixture
def served(tmp_path: Path):
    """Serve a folder (a copy of the mirror, editable by the test) on 127.0.0.1."""
    folder = tmp_path / "served"
    shutil.copytree(MIRROR, folder)  # type: ignore[arg-type]
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass


@needs_mirror
def test_citeseer_matches_the_papers_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DPVIZ_DATA", str(MIRROR))
    ds = planetoid("citeseer")
    assert (ds.num_nodes, ds.num_features, ds.num_classes) == (3327, 3703, 6)
    assert ds.edge_index.shape == (2, 9104)
    src, dst = ds.edge_index
    assert not bool((src == dst).any()), "no self-loops"
    forward = set(zip(src.tolist(), dst.tolist()))
    assert forward == {(b, a) for a, b in forward}, "symmetric"
    assert ds.train_mask.nonzero().view(-1).tolist() == list(range(120))
    assert ds.val_mask.nonzero().view(-1).tolist() == list(range(120, 620))
    test = ds.test_mask.nonzero().view(-1)
    assert len(test) == 1000 and int(test.min()) == 2312 and int(test.max()) == 3326
    assert torch.bincount(ds.y[ds.test_mask]).tolist() == [77, 182, 181, 231, 169, 160]
    assert ds.isolated_test_fill == 15
    row_sums = ds.x.sum(1)
    assert int((row_sums == 0).sum()) == 15  # the zero-filled isolated test rows
    assert torch.allclose(row_sums[row_sums > 0], torch.ones(1))  # row-normalised
    # 9,104 / 3,327 = 2.7364; the paper prints 2.737.
    assert abs(ds.edge_index.shape[1] / ds.num_nodes - 2.737) < 1e-3


@needs_mirror
def test_networkx_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    nx = pytest.importorskip("networkx")
    monkeypatch.setenv("DPVIZ_DATA", str(MIRROR))
    ds = planetoid("citeseer")
    g = nx.Graph()
    g.add_nodes_from(range(ds.num_nodes))
    g.add_edges_from(ds.edge_index.t().tolist())
    assert round(nx.average_clustering(g), 3) == 0.141
    assert nx.number_of_isolates(g) > 0


@needs_mirror
def test_cora_and_unnormalised_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DPVIZ_DATA", str(MIRROR))
    ds = planetoid("Cora", normalize=False)
    assert (ds.num_nodes, ds.num_features, ds.num_classes, ds.edge_index.shape[1]) == (2708, 1433, 7, 10556)
    assert set(ds.x.unique().tolist()) == {0.0, 1.0}
    assert int(ds.train_mask.sum()) == 140


def test_unknown_dataset_is_a_clear_error() -> None:
    with pytest.raises(UnknownDatasetError, match="citeseer"):
        planetoid("citeseers")
    assert issubclass(UnknownDatasetError, (DpvizDataError, ValueError))


@needs_mirror
def test_root_argument_and_altered_local_file(tmp_path: Path, isolated_env: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(MIRROR, root)  # type: ignore[arg-type]
    assert planetoid("citeseer", root).num_nodes == 3327
    (root / "ind.citeseer.graph").write_bytes(b"altered")
    with pytest.raises(ChecksumMismatchError, match="ind.citeseer.graph"):
        planetoid("citeseer", root)


def test_offline_without_files_says_how_to_provide_them(isolated_env: Path) -> None:
    with pytest.raises(DataUnavailableError, match="DPVIZ_DATA"):
        planetoid("citeseer", download=False)
    # A refused connection on the loopback interface stands in for "no internet".
    with pytest.raises(DataUnavailableError, match="offline"):
        planetoid("citeseer", base_url="http://127.0.0.1:9")
    assert not any(isolated_env.glob("*.part")) if isolated_env.exists() else True


@needs_mirror
def test_download_verifies_and_writes_atomically(served: tuple[Path, str], isolated_env: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _, url = served
    monkeypatch.setenv("DPVIZ_PLANETOID_URL", url)
    ds = planetoid("citeseer")
    assert ds.folder == str(isolated_env)
    names = sorted(p.name for p in isolated_env.iterdir())
    assert names == sorted(raw_file_names("citeseer")), "only the verified files, no temp files"
    assert planetoid_status(["citeseer"])["citeseer"]["verified"] is True


@needs_mirror
@pytest.mark.parametrize("damage", ["truncate", "alter"])
def test_bad_download_is_rejected_and_not_kept(served: tuple[Path, str], isolated_env: Path,
                                               damage: str) -> None:
    folder, url = served
    target = folder / "ind.citeseer.tx"
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2] if damage == "truncate" else data[:-1] + b"!")
    with pytest.raises(ChecksumMismatchError, match="ind.citeseer.tx"):
        planetoid("citeseer", base_url=url)
    assert not (isolated_env / "ind.citeseer.tx").exists()
    assert not list(isolated_env.glob(".*part")), "no half-written file left behind"
    # Files that did verify are kept, so fixing the source resumes where it stopped.
    target.write_bytes(data)
    assert planetoid("citeseer", base_url=url).num_nodes == 3327


def test_status_without_files(isolated_env: Path) -> None:
    status = planetoid_status()
    assert set(status) == {"citeseer", "cora"}
    assert status["citeseer"]["folder"] is None and status["citeseer"]["verified"] is False


@needs_mirror
def test_identical_to_pyg_planetoid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyg_datasets = pytest.importorskip("torch_geometric.datasets")
    transforms = pytest.importorskip("torch_geometric.transforms")
    raw = tmp_path / "CiteSeer" / "raw"
    raw.mkdir(parents=True)
    for name in raw_file_names("citeseer"):
        shutil.copy(MIRROR / name, raw / name)  # type: ignore[operator]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyG's own deprecation noise is not ours to test
        theirs = pyg_datasets.Planetoid(str(tmp_path), "CiteSeer", transform=transforms.NormalizeFeatures())[0]
    monkeypatch.setenv("DPVIZ_DATA", str(MIRROR))
    ours = planetoid("citeseer")
    for key in ("x", "y", "train_mask", "val_mask", "test_mask"):
        assert torch.equal(getattr(ours, key), getattr(theirs, key)), key
    # Recent PyG sorts edges by target; the paper's 2022 PyG (and dpviz) sort by source.
    n = ours.num_nodes
    theirs_sorted = torch.sort(theirs.edge_index[0] * n + theirs.edge_index[1]).values
    assert torch.equal(ours.edge_index[0] * n + ours.edge_index[1], theirs_sorted)


@needs_mirror
def test_a_relative_DPVIZ_DATA_reaches_processes_started_in_other_folders(monkeypatch, tmp_path):
    # `DPVIZ_DATA=../shared/data/planetoid make test`: the kernels that run the notebooks start in
    # temporary folders, where the relative path names nothing
    from dpviz.settings import mirror_dir

    monkeypatch.chdir(REPO)
    monkeypatch.setenv("DPVIZ_DATA", os.path.relpath(MIRROR, REPO))
    assert mirror_dir() == MIRROR.resolve()
    assert os.environ["DPVIZ_DATA"] == str(MIRROR.resolve())     # passed on as absolute
    kernel_like = subprocess.run(
        [sys.executable, "-c", "from dpviz.data import locate_raw_files; "
                               "print(locate_raw_files('citeseer', download=False))"],
        cwd=tmp_path, env={**os.environ, "DPVIZ_CACHE": str(tmp_path / "empty-cache")},
        capture_output=True, text=True, timeout=120)
    assert kernel_like.returncode == 0, kernel_like.stderr
    assert kernel_like.stdout.strip() == str(MIRROR.resolve())


def test_make_passes_DPVIZ_DATA_on_as_an_absolute_path():
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on this machine")
    out = subprocess.run([make, "-s", "-f", str(REPO / "Makefile"), "--eval", "show-data: ; @echo $$DPVIZ_DATA",
                          "show-data", "DPVIZ_DATA=../shared/data/planetoid"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str((REPO / ".." / "shared" / "data" / "planetoid").resolve())


def test_bad_names_and_roots_get_clear_errors(tmp_path, monkeypatch):
    from dpviz.data import fetch, planetoid
    from dpviz.data.errors import DataUnavailableError, UnknownDatasetError
    from dpviz.data.fetch import locate_raw_files, raw_file_names

    for bad in (None, 3):
        with pytest.raises(UnknownDatasetError, match="must be a string"):
            planetoid(bad)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    with pytest.raises(DataUnavailableError, match="is a file, not a folder"):
        locate_raw_files("citeseer", a_file, download=False)
    # only the folder given is searched here (the mirror and the cache would otherwise hold the files)
    monkeypatch.setattr(fetch, "candidate_dirs", lambda root=None: [fetch.Path(root)])
    some = tmp_path / "some"
    some.mkdir()
    names = raw_file_names("citeseer")
    for name in names[:-1]:
        (some / name).write_bytes(b"")
    with pytest.raises(DataUnavailableError, match=f"but not {names[-1]}"):
        locate_raw_files("citeseer", some, download=False)
