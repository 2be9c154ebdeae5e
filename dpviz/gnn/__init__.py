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
from dpviz.gnn.experiments import EXPERIMENTS, Experiment, find, run
from dpviz.gnn.layers import GCNConv, gcn_adjacency
from dpviz.gnn.models import GCN, MLP, SelfAttentionNet, count_parameters, gcn2, gcn3, mlp2, mlp3

__all__ = ["EXPERIMENTS", "Experiment", "GCN", "GCNConv", "MLP", "SelfAttentionNet",
           "count_parameters", "find", "gcn2", "gcn3", "gcn_adjacency", "mlp2", "mlp3", "run"]
