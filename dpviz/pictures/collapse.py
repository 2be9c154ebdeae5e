"""Decide which nodes a drawing shows one by one and which it folds into a single box.

Folding follows scopes first (``dp.scope``, ``dp.nn`` modules, PyTorch module names):
a collapsed scope becomes one box that lists how many nodes and which ops it holds.
When a graph is larger than the threshold and nobody chose, the deepest scope level
that fits is folded; if even the top level does not fit (say, a 100,000-step loop
written without scopes), runs of consecutive nodes are folded into numbered blocks.
Everything here is linear in the number of nodes and edges, so it cannot hang.

>>> from dpviz.pictures.model import Diagram, NodeInfo
>>> d = Diagram([NodeInfo(index=i, kind="op", op="add", scope="a/b") for i in range(5)], [])
>>> plan = plan_collapse(d, ["a"], threshold=300)
>>> [g.key for g in plan.groups], plan.visible_count
(['a'], 1)
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from dpviz.pictures.model import Diagram
from dpviz.errors import DpvizError

#: Graphs with more nodes than this are collapsed automatically unless ``collapse=False``.
#: Layout time grows steeply with size: a 150-node chain takes about 3 s to lay out, 200 nodes
#: about 15 s, 300 nodes over a minute (graphviz-pure; torchviz graphs the same), so stay below.
DEFAULT_THRESHOLD = 150

#: When scopes are not enough, at most this many numbered blocks are drawn.
MAX_BLOCKS = 48


@dataclass(slots=True)
class Group:
    """Several nodes drawn as one box: a scope (``key`` is its path) or a block of indices."""

    key: str
    kind: str                       # "scope" or "block"
    parent_scope: str               # the cluster the box sits in ("" = top level)
    members: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        """What the box is called: the scope path, or the index range of a block."""
        if self.kind == "scope":
            return self.key
        return f"nodes {self.members[0]}–{self.members[-1]}"


@dataclass(slots=True)
class CollapsePlan:
    """``unit[i]`` is ``-1`` when node ``i`` is drawn itself, else the number of its group."""

    unit: list[int]
    groups: list[Group]
    note: str | None = None

    @property
    def visible_count(self) -> int:
        """How many boxes the drawing will have (single nodes plus groups)."""
        return self.unit.count(-1) + len(self.groups)


def _prefixes(scope: str) -> list[str]:
    """``"a/b/c"`` -> ``["a", "a/b", "a/b/c"]``, outermost first."""
    parts = scope.split("/")
    return ["/".join(parts[: k + 1]) for k in range(len(parts))]


def all_scopes(diagram: Diagram) -> list[str]:
    """Every scope that some node lies in, with the scopes enclosing them, sorted.

    >>> from dpviz.pictures.model import Diagram, NodeInfo
    >>> all_scopes(Diagram([NodeInfo(index=0, kind="op", op="add", scope="m/l0")], []))
    ['m', 'm/l0']
    """
    found: set[str] = set()
    for scope in {node.scope for node in diagram.nodes}:
        if scope:
            found.update(_prefixes(scope))
    return sorted(found)


def _fold_scopes(diagram: Diagram, chosen: Iterable[str]) -> CollapsePlan:
    """Fold each node into the outermost chosen scope that contains it."""
    chosen_set = set(chosen)
    owner_of_scope: dict[str, str | None] = {}
    unit: list[int] = []
    group_of_key: dict[str, int] = {}
    groups: list[Group] = []
    for node in diagram.nodes:
        scope = node.scope
        if scope not in owner_of_scope:
            owner = None
            if scope:
                for prefix in _prefixes(scope):
                    if prefix in chosen_set:
                        owner = prefix
                        break
            owner_of_scope[scope] = owner
        owner = owner_of_scope[scope]
        if owner is None:
            unit.append(-1)
            continue
        g = group_of_key.get(owner)
        if g is None:
            g = group_of_key[owner] = len(groups)
            parent = owner.rsplit("/", 1)[0] if "/" in owner else ""
            groups.append(Group(owner, "scope", parent))
        groups[g].members.append(node.index)
        unit.append(g)
    return CollapsePlan(unit, groups)


def _fold_blocks(plan: CollapsePlan, max_blocks: int, fold_groups: bool) -> CollapsePlan:
    """Fold runs of consecutive top-level units into at most ``max_blocks`` numbered blocks.

    With ``fold_groups`` false, scope groups stay as they are and only loose nodes are
    blocked; otherwise scope groups are merged into the blocks too.
    """
    n = len(plan.unit)
    if fold_groups:
        loose = list(range(n))
    else:
        loose = [i for i in range(n) if plan.unit[i] == -1]
    if not loose:
        return plan
    blocks = min(max_blocks, len(loose))
    groups = [] if fold_groups else list(plan.groups)
    unit = [-1] * n if fold_groups else list(plan.unit)
    for b in range(blocks):
        lo = b * len(loose) // blocks
        hi = (b + 1) * len(loose) // blocks
        members = loose[lo:hi]
        if len(members) == 1 and not fold_groups:
            continue       # a block of one node is just that node
        group = Group(f"block{b}", "block", "", members)
        groups.append(group)
        for i in members:
            unit[i] = len(groups) - 1
    return CollapsePlan(unit, groups)


def _auto(diagram: Diagram, threshold: int) -> CollapsePlan:
    """The most detailed folding that draws at most ``threshold`` boxes."""
    n = diagram.n
    scopes = all_scopes(diagram)
    depths = sorted({s.count("/") + 1 for s in scopes}, reverse=True)
    for depth in depths:
        plan = _fold_scopes(diagram, [s for s in scopes if s.count("/") + 1 == depth])
        if plan.visible_count <= threshold:
            plan.note = (
                f"{n:,} nodes is more than the threshold of {threshold:,}, so scopes at depth {depth} "
                f"are folded into single boxes ({plan.visible_count:,} boxes). "
                "Choose with collapse=[...] or draw everything with collapse=False."
            )
            return plan
    top = _fold_scopes(diagram, [s for s in scopes if "/" not in s])
    blocks = top
    if len(top.groups) <= threshold // 2:      # keep the scope boxes, block the loose nodes
        blocks = _fold_blocks(top, min(MAX_BLOCKS, threshold - len(top.groups)), fold_groups=False)
    if blocks.visible_count > threshold:       # still too many: block everything in index order
        blocks = _fold_blocks(top, min(MAX_BLOCKS, threshold), fold_groups=True)
    blocks.note = (
        f"{n:,} nodes is more than the threshold of {threshold:,}, so runs of consecutive nodes "
        f"are folded into numbered blocks ({blocks.visible_count:,} boxes). "
        "Use dp.scope to name parts of the program, choose with collapse=[...], "
        "or draw everything with collapse=False."
    )
    return blocks


def plan_collapse(
    diagram: Diagram,
    collapse: bool | str | Sequence[str] | None,
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> CollapsePlan:
    """Which nodes to fold, from the ``collapse=`` option of :func:`dpviz.draw`.

    ``None``: fold only when the graph has more than ``threshold`` nodes (and say so);
    ``False``: never fold; ``True``: fold every top-level scope; a scope name or a list of
    them: fold exactly those.

    >>> from dpviz.pictures.model import Diagram, NodeInfo
    >>> d = Diagram([NodeInfo(index=i, kind="op", op="add") for i in range(1000)], [])
    >>> plan = plan_collapse(d, None, threshold=300)
    >>> len(plan.groups), plan.note is not None
    (48, True)
    """
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise DpvizError(f"threshold must be a positive integer; got {threshold!r}")
    if collapse is None:
        if diagram.n > threshold:
            return _auto(diagram, threshold)
        return CollapsePlan([-1] * diagram.n, [])
    if collapse is False:
        return CollapsePlan([-1] * diagram.n, [])
    scopes = all_scopes(diagram)
    if collapse is True:
        return _fold_scopes(diagram, [s for s in scopes if "/" not in s])
    chosen = [collapse] if isinstance(collapse, str) else list(collapse)
    known = set(scopes)
    for scope in chosen:
        if not isinstance(scope, str):
            raise DpvizError(f"collapse= takes scope names (strings); got {scope!r}")
        if scope not in known:
            hint = ", ".join(repr(s) for s in scopes[:12]) or "none: this graph has no scopes"
            raise DpvizError(f"collapse= names scope {scope!r}, which is not in the graph; its scopes are {hint}")
    return _fold_scopes(diagram, chosen)


def op_summary(diagram: Diagram, members: Sequence[int], limit: int = 3) -> str:
    """The most frequent ops among ``members``, e.g. ``"matmul×2, add×2, tanh"``.

    >>> from dpviz.pictures.model import Diagram, NodeInfo
    >>> d = Diagram([NodeInfo(index=i, kind="op", op=o) for i, o in enumerate(["add", "add", "mul"])], [])
    >>> op_summary(d, [0, 1, 2])
    'add×2, mul'
    """
    counts = Counter(diagram.nodes[i].op for i in members)
    # Most frequent first; ties broken by name so the text is the same on every run.
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [op if c == 1 else f"{op}×{c}" for op, c in ranked[:limit]]
    if len(ranked) > limit:
        parts.append("…")
    return ", ".join(parts)
