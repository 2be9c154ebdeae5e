"""SHA-256 sums of the public Planetoid raw files dpviz can load.

The sums are facts copied from ``shared/data/planetoid/SHA256SUMS`` (the offline mirror of
https://github.com/kimiyoung/planetoid, folder ``data/``).  A file is used only when its sum
matches, whether it came from a mirror, the cache or a download.

>>> from dpviz.data.checksums import PLANETOID_SHA256, RAW_SUFFIXES
>>> len(PLANETOID_SHA256["citeseer"]) == len(RAW_SUFFIXES) == 8
True
"""
from __future__ import annotations

#: The eight file suffixes of one dataset: ``ind.<name>.<suffix>``.
RAW_SUFFIXES: tuple[str, ...] = ("x", "y", "tx", "ty", "allx", "ally", "graph", "test.index")

#: ``{dataset: {file name: sha256 hex digest}}``.
PLANETOID_SHA256: dict[str, dict[str, str]] = {
    "citeseer": {
        "ind.citeseer.allx": "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668",
        "ind.citeseer.ally": "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95",
        "ind.citeseer.graph": "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7",
        "ind.citeseer.test.index": "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4",
        "ind.citeseer.tx": "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21",
        "ind.citeseer.ty": "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce",
        "ind.citeseer.x": "d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6",
        "ind.citeseer.y": "8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924",
    },
    "cora": {
        "ind.cora.allx": "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
        "ind.cora.ally": "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
        "ind.cora.graph": "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
        "ind.cora.test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
        "ind.cora.tx": "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
        "ind.cora.ty": "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
        "ind.cora.x": "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
        "ind.cora.y": "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
    },
}


def raw_file_names(name: str) -> list[str]:
    """The raw file names of dataset ``name`` in a fixed order.

    >>> raw_file_names("cora")[:2]
    ['ind.cora.x', 'ind.cora.y']
    """
    return [f"ind.{name}.{suffix}" for suffix in RAW_SUFFIXES]
