"""The side panel of the stepper: what the current step does, in words and numbers.

Forward pass: the Definition-1 view ``i, f_i, α_i → v_i``. Backward pass: the local
derivative of the op for that argument and its number, both carried by the engine's step
(``BackwardStep.partial``, ``.local``), and the update ``v̄_j += v̄_i · ∂v_i/∂v_j`` with the
running sum where a value fans out to several uses.  Forward mode: the tangent as the sum
of one term per argument (``JvpStep.contributions``).

>>> import dpviz as dp
>>> from dpviz.widgets.timeline import build_timeline
>>> tl = build_timeline(dp.trace(lambda a, b: a * b, 2.0, -3.0), "backward")
>>> print(panel_text(tl, 2).splitlines()[2])
  ∂(a·b)/∂a = b = −3.0;  v̄0 += v̄2 · b = 1.0 · (−3.0) = −3.0
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dpviz.pictures.labels import fmt_shape, summarize
from dpviz.widgets.timeline import Event, Timeline

BAR = "\u0304"      # combining macron: v̄, the adjoint
DOT = "\u0307"      # combining dot above: v̇, the tangent

PHASE_TITLES = {
    "forward": "Forward pass",
    "seed": "Backward pass: seed",
    "backward": "Backward pass (adjoints)",
    "jvp": "Forward mode (tangents)",
}


def num(x: Any) -> str:
    """A number or an array as the panel writes it (``−`` for minus; arrays by shape and summary).

    >>> num(-3.0), num(0.123456), num(np.arange(6.0).reshape(2, 3))
    ('−3.0', '0.1235', '(2, 3) [0 … 5] mean 2.5')
    """
    if x is None:
        return "0"
    arr = np.asarray(x)
    if arr.size == 1 and arr.dtype.kind in "fiub":
        v = float(arr.reshape(()))
        text = f"{v:.1f}" if np.isfinite(v) and v == int(v) and abs(v) < 1e6 else f"{v:.4g}"
        return text.replace("-", "−")
    return f"{fmt_shape(arr.shape)} {summarize(arr, mean=True, max_items=4, digits=4)}".replace("-", "−")


def operand(x: Any) -> str:
    """A number ready to be multiplied: negative ones in parentheses.

    >>> operand(-3.0), operand(2.0)
    ('(−3.0)', '2.0')
    """
    text = num(x)
    return f"({text})" if text.startswith("−") else text


def _scalar(*xs: Any) -> bool:
    return all(x is not None and np.size(x) == 1 for x in xs)


def name(tl: Timeline, i: int) -> str:
    """``v3`` or ``v0 (x)``: the Definition-1 symbol of node ``i``, with its name when it has one.

    >>> import dpviz as dp
    >>> from dpviz.widgets.timeline import build_timeline
    >>> name(build_timeline(dp.trace(lambda x: x.exp(), 0.0), "forward"), 0)
    'v0 (x)'
    """
    node = tl.diagram.nodes[i]
    return f"v{i} ({node.name})" if node.name else f"v{i}"


def _program_node(tl: Timeline, i: int) -> Any:
    return tl.program.nodes[i]


def _factor(partial) -> str:
    """The formula of a local derivative, ready to multiply by: bracketed unless it is one short term."""
    formula = partial.formula
    return formula if len(formula) <= 3 and " " not in formula else f"({formula})"


def start_text(tl: Timeline) -> str:
    """The panel before the first step: one sentence or formula per line, so that a narrow panel
    wraps it at word boundaries and nowhere else."""
    nodes = tl.diagram.nodes
    leaves = [name(tl, i) for i, n in enumerate(nodes) if n.kind in ("input", "param")]
    lines = []
    if tl.source_kind == "torch":
        lines += ["PyTorch graph: backward order only.",
                  "PyTorch keeps no values or gradients of intermediate nodes, so this view shows the order in "
                  "which the backward pass visits each grad_fn and the edges it sends gradients along.",
                  "Numbers appear only on leaves" + (" (their .grad)." if tl.torch_has_grads else
                                                     " once .grad is set (call backward() first)."),
                  "Press next: the output is seeded with gradient 1."]
        return "\n".join(lines)
    if tl.mode in ("forward", "both"):
        lines += [f"Start of the forward pass. The first l = {tl.program.l} nodes ({', '.join(leaves) or 'none'}) "
                  "are the inputs and parameters: their values are given (constants too).",
                  "Each step computes one node i from its arguments α_i, in index order."]
    elif tl.mode == "backward":
        lines += ["Start of the backward pass. The forward pass has run: every value v_i is known.",
                  "Next the output is seeded with its adjoint (v̄ = ∂output/∂output = 1); then nodes are visited "
                  "from n−1 down to l, each sending its adjoint to its arguments."]
    else:
        seeds = ", ".join(f"v{DOT}{i} = {num(t)}" for i, t in tl.tangent_seed.items()) or "none"
        lines += ["Start of forward mode. Every value v_i is known; each input carries a tangent "
                  f"(a direction): {seeds}; inputs without one have tangent 0.",
                  f"Each step computes one node's tangent v{DOT}_i from its arguments' tangents, in index order."]
    if tl.mode == "both":
        lines.append("After the forward pass the same timeline runs the backward pass.")
    return "\n".join(lines)


def _forward_text(tl: Timeline, e: Event) -> list[str]:
    i = e.node
    node = _program_node(tl, i)
    args = ", ".join(f"v{j}" for j in node.args)
    vals = ", ".join(num(tl.tracks[j].value) for j in node.args)
    extra = "".join(f", {k}={v!r}" for k, v in sorted(node.params.items()) if v is not None and v is not False)
    lines = [f"  i = {i},  f_{i} = {node.op},  α_{i} = ({', '.join(str(j) for j in node.args)}"
             f"{',' if len(node.args) == 1 else ''})"]
    lines.append(f"  v{i} = {node.op}({args}{extra})")
    if _scalar(*[tl.tracks[j].value for j in node.args]):
        lines.append(f"     = {node.op}({vals}) = {num(tl.tracks[i].value)}")
    else:
        for j in dict.fromkeys(node.args):
            lines.append(f"  {name(tl, j)} = {num(tl.tracks[j].value)}")
        lines.append(f"  → v{i} = {num(tl.tracks[i].value)}")
    for m in tl.program.nodes:
        if m.overwritten_by == i:      # an in-place op: say what it does to the memory it writes
            lines.append(f"  {node.op} writes in place into the memory of {name(tl, m.index)}: its version goes "
                         f"from {m.version} to {node.version}. A backward rule that saved {name(tl, m.index)} "
                         "will find this new value instead.")
    if node.is_output:
        lines.append(f"  node {i} is an output of the program.")
    return lines


def _stale_reads(tl: Timeline, i: int, position: int) -> list[Any]:
    """The values node ``i``'s backward rule for argument ``position`` reads that an in-place op overwrote later."""
    node = _program_node(tl, i)
    prim = getattr(node, "prim", None)
    if prim is None:
        return []
    read = dict.fromkeys(i if r == -1 else node.args[r] for r in prim.reads_for(position))
    return [tl.program.nodes[t] for t in read if tl.program.nodes[t].overwritten_by is not None]


def _uses(tl: Timeline, j: int, k: int) -> tuple[int, int]:
    """(which contribution this is, how many contributions node j receives in all)."""
    steps = [s for s, _, _ in tl.tracks[j].grads if tl.events[s - 1].phase == "backward"]
    return (sum(1 for s in steps if s <= k), len(steps))


def _backward_text(tl: Timeline, e: Event, k: int) -> list[str]:
    j, i = e.node, e.source
    assert i is not None
    lines = []
    entry = tl.adjoint_entry(j, k)
    before = tl.adjoint_entry(j, k - 1)
    if tl.source_kind == "torch":
        src = tl.diagram.nodes[i]
        fn = type(src.source).__name__ if src.source is not None else src.op
        lines.append(f"  {fn} (node {i}) passes a gradient to its argument {name(tl, j)}.")
        lines.append("  PyTorch does not keep this gradient; only the order is shown (backward order only).")
        if entry is not None and entry[1] is not None and entry[0] == k:
            lines.append(f"  That was the last contribution to {name(tl, j)}: its .grad = {num(entry[1])}")
        return lines
    raw = e.raw
    node = _program_node(tl, i)
    lines.append(f"  node {i} = {node.op}({', '.join(f'v{a}' for a in node.args)}) sends its adjoint v{BAR}{i} "
                 f"to argument {raw.position}, {name(tl, j)}")
    partial, local = raw.partial, raw.local
    upstream, contribution = raw.upstream, raw.contribution
    if partial.symbol and local is not None and _scalar(upstream, contribution):
        lines.append(f"  {partial.text} = {num(local)};  v{BAR}{j} += v{BAR}{i} · {_factor(partial)} = "
                     f"{operand(upstream)} · {operand(local)} = {num(contribution)}")
    else:
        if partial.formula:
            lines.append(f"  local rule: {partial.text}")
        lines.append(f"  v{BAR}{i} = {num(upstream)}")
        lines.append(f"  contribution sent back (the VJP of {node.op}): {num(contribution)}")
    for stale in _stale_reads(tl, i, raw.position):
        by = stale.overwritten_by
        lines.append(f"  Refused on the tensors: {node.op}'s rule reads {name(tl, stale.index)}, which "
                     f"{_program_node(tl, by).op} (node {by}) overwrote in place, so backward() raises InplaceError "
                     f"here. This Stepper steps on with the copy of version {stale.version} the recorded program kept.")
    which, total = _uses(tl, j, k)
    after = entry[1] if entry else None
    if raw.accumulated and before is not None:
        lines.append(f"  running sum: v{BAR}{j} = {operand(before[1])} + {operand(contribution)} = {num(after)}")
        lines.append(f"  {name(tl, j)} is used {total} times, so its adjoint is the sum of one contribution per use"
                     f" (this is use {which} of {total}).")
        lines.append("  That is why gradients accumulate with += (and why .grad must be zeroed between steps).")
    else:
        more = f" ({total} uses: this is use 1 of {total}; the others will add to it)" if total > 1 else ""
        lines.append(f"  v{BAR}{j} = {num(after)}, its first contribution{more}")
    return lines


def _jvp_text(tl: Timeline, e: Event) -> list[str]:
    i = e.node
    node = _program_node(tl, i)
    raw = e.raw
    lines = [f"  node {i}: v{i} = {node.op}({', '.join(f'v{a}' for a in node.args)})"]
    if not raw.contributions:
        lines.append(f"  no argument carries a tangent, so v{DOT}{i} = 0 (nothing to track).")
        return lines
    lines.append(f"  v{DOT}{i} = Σ_j ∂v{i}/∂v_j · v{DOT}_j over arguments j with a tangent:")
    terms = []
    for term in raw.contributions:
        j, c = term.parent, term.contribution
        rule = term.partial.text or "∂f/∂arg"
        tangent = tl.tangent_entry(j, tl.tracks[i].first_tangent_at)   # j's tangent when i's was computed
        t = tangent[1] if tangent else None
        if term.partial.symbol and term.local is not None and _scalar(t, c):
            lines.append(f"    from {name(tl, j)}: {rule} = {num(term.local)};  "
                         f"{operand(term.local)} · {operand(t)} = {num(c)}")
        else:
            lines.append(f"    from {name(tl, j)}: {rule} applied to v{DOT}{j}: {num(c)}")
        terms.append(c)
    if len(terms) > 1 and _scalar(*terms):
        lines.append(f"  v{DOT}{i} = {' + '.join(operand(c) for c in terms)} = {num(raw.tangent)}")
    else:
        lines.append(f"  v{DOT}{i} = {num(raw.tangent)}")
    return lines


def _what(tl: Timeline, i: int) -> str:
    """An op node by its op (and name), a leaf by its name."""
    node = tl.diagram.nodes[i]
    if node.kind == "op":
        return f"{node.op} ({node.name})" if node.name else node.op
    return node.label


def counter_text(tl: Timeline, k: int) -> str:
    """The step counter, e.g. ``step 3 of 5: node 3, mul``.

    >>> import dpviz as dp
    >>> from dpviz.widgets.timeline import build_timeline
    >>> tl = build_timeline(dp.trace(lambda a, b: a * b, 2.0, -3.0), "forward")
    >>> counter_text(tl, 0), counter_text(tl, 1)
    ('step 0 of 1: start', 'step 1 of 1: node 2, mul')
    """
    n = tl.n_steps
    if k == 0:
        return f"step 0 of {n}: start"
    e = tl.events[k - 1]
    op = _what(tl, e.node)
    if e.phase == "backward" and e.source is not None:
        return f"step {k} of {n}: node {e.source}, {_what(tl, e.source)} → node {e.node}, {op} (adjoint)"
    if e.phase == "seed":
        return f"step {k} of {n}: node {e.node}, {op} (seed)"
    suffix = " (tangent)" if e.phase == "jvp" else ""
    return f"step {k} of {n}: node {e.node}, {op}{suffix}"


def panel_text(tl: Timeline, k: int) -> str:
    """Everything the panel says at step ``k`` (plain text; the widget shows it as HTML).

    >>> import dpviz as dp
    >>> from dpviz.widgets.timeline import build_timeline
    >>> tl = build_timeline(dp.trace(lambda a, b: a * b, 2.0, -3.0), "forward")
    >>> print(panel_text(tl, 1))
    Forward pass · step 1 of 1: node 2, mul
      i = 2,  f_2 = mul,  α_2 = (0, 1)
      v2 = mul(v0, v1)
         = mul(2.0, −3.0) = −6.0
      node 2 is an output of the program.
      Done: this was the last step.
    """
    if k == 0:
        return start_text(tl)
    e = tl.events[k - 1]
    head = f"{PHASE_TITLES[e.phase]} · {counter_text(tl, k)}"
    if e.phase == "forward":
        body = _forward_text(tl, e)
    elif e.phase == "seed":
        body = [f"  the output {name(tl, e.node)} gets its adjoint v{BAR}{e.node} = ∂output/∂output = "
                f"{num(tl.adjoint(e.node, k)) if tl.adjoint(e.node, k) is not None else '1'}.",
                "  Every other adjoint starts at 0 and is built up by the steps that follow."]
        if tl.source_kind == "torch":
            body.append("  (PyTorch graph: backward order only.)")
    elif e.phase == "backward":
        body = _backward_text(tl, e, k)
    else:
        body = _jvp_text(tl, e)
    if k == tl.n_steps:
        body.append("  Done: this was the last step." + (" The adjoints on the inputs are the gradients."
                                                          if tl.shows_grads and tl.source_kind == "program" else ""))
    return "\n".join([head, *body])
