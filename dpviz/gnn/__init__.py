"""The paper's CiteSeer experiments (section 5) in plain PyTorch.

- :mod:`dpviz.gnn.models` — MLP2/MLP3, GCN2/GCN3, self-attention, one seed at a time;
- :mod:`dpviz.gnn.layers` — the GCN layer from scratch;
- :mod:`dpviz.gnn.attention` — attention masks and attention over allowed pairs only;
- :mod:`dpviz.gnn.perturb` — random and removed edges;
- :mod:`dpviz.gnn.batched` — the same models with seeds as a batch dimension;
- :mod:`dpviz.gnn.train`, :mod:`dpviz.gnn.experiments`, :mod:`dpviz.gnn.report`,
  :mod:`dpviz.gnn.cli` — training, the table, its files, ``dpviz reproduce citeseer``.

>>> from dpviz.gnn import gcn2, count_parameters
>>> count_parameters(gcn2())
59366
"""
import os as _os
import sys as _sys

from dpviz.extras import require_extra

require_extra("torch", "dpviz.gnn")     # before any of its modules imports torch: name the extra

if "torch" not in _sys.modules:
    # On a busy machine (other jobs on the same 2 cores) OpenMP threads that spin while waiting
    # for each other stall every small kernel: measured here, one MLP3 training step took 2.3 s
    # instead of 0.3 s.  Letting idle threads sleep costs microseconds on a quiet machine.  Only
    # effective before torch is first imported; an explicit setting is respected.
    _os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from dpviz.gnn.experiments import EXPERIMENTS, Experiment, find, run  # noqa: E402
from dpviz.gnn.layers import GCNConv, gcn_adjacency  # noqa: E402
from dpviz.gnn.models import GCN, MLP, SelfAttentionNet, count_parameters, gcn2, gcn3, mlp2, mlp3  # noqa: E402

__all__ = ["EXPERIMENTS", "Experiment", "GCN", "GCNConv", "MLP", "SelfAttentionNet",
           "count_parameters", "find", "gcn2", "gcn3", "gcn_adjacency", "mlp2", "mlp3", "run"]
