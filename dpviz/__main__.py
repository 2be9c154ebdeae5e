"""The ``dpviz`` command line (also ``python -m dpviz``).

  dpviz doctor                       versions, graph renderer, GPU, data files
  dpviz reproduce citeseer [...]     the paper's CiteSeer table (see dpviz reproduce citeseer --help)
  dpviz figure [OUT.svg]             the README's picture of a stepped backward pass
  dpviz binder [OWNER/NAME]          the "launch binder" link and README badge
  dpviz site OUT [...]               the course as a website (see dpviz site --help)

>>> main(["--help"])  # doctest: +ELLIPSIS
usage: dpviz ...
0
"""
from __future__ import annotations

import sys

from dpviz import binder, doctor, figure
from dpviz.site import build as site

USAGE = """usage: dpviz <command> [options]

commands:
  doctor                     what is installed: versions, graph renderer, GPU, data files
  reproduce citeseer [...]   run the paper's CiteSeer experiments (dpviz reproduce citeseer --help)
  figure [OUT.svg]           write the README's picture (default notebooks/images/stepped-neuron.svg)
  binder [OWNER/NAME]        print the mybinder.org link and README badge (default: the git remote)
  site OUT [...]             execute the notebooks and write the course as a website (dpviz site --help)
"""


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE.rstrip())
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "doctor":
        return doctor.main(rest)
    if cmd == "reproduce":
        from dpviz.gnn.cli import main as reproduce   # torch: loaded only for this command
        return reproduce(rest)
    if cmd == "figure":
        return figure.main(rest)
    if cmd == "binder":
        return binder.main(rest)
    if cmd == "site":
        return site.main(rest)
    print(f"dpviz: unknown command {cmd!r}\n\n{USAGE.rstrip()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
