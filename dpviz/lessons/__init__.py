"""Reusable pieces of the part-1 notebooks, kept here so the notebooks stay thin and tested.

One module per lesson idea; each is small, typed, and its docstrings run as doctests.

==============================  ==========================================================
module                          what it holds (notebook)
==============================  ==========================================================
:mod:`~dpviz.lessons.welcome`   the paper's Table 1 as an extendable table, the course map,
                                an environment check in plain words (01)
:mod:`~dpviz.lessons.torch_bridge`  the same MLP in dpviz and PyTorch, gradients compared (03, 09)
:mod:`~dpviz.lessons.jacobian_cost` the cost meter of forward vs reverse Jacobians (04)
:mod:`~dpviz.lessons.branching` loops/``if`` that shape the graph, and the learned condition
                                of the paper's Figure 1 (05)
:mod:`~dpviz.lessons.inplace`   the two in-place/aliasing examples of the AD notes, run in
                                dpviz and in PyTorch side by side (06)
:mod:`~dpviz.lessons.hypergradient` a learning rate tuned through unrolled SGD (07)
:mod:`~dpviz.lessons.characteristics` MLP, RNN and self-attention over one sequence:
                                path lengths, permutation invariance, composition (08)
==============================  ==========================================================

Modules are imported on use (``from dpviz.lessons import branching``) so that importing
dpviz never pulls in torch or plotly.
"""
