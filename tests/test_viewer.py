"""The browser viewer's data: frames that replay to the same picture as Python's, a legend that names
every look a mode shows, the static fallback, the standalone page, and opening and folding scopes."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

import dpviz as dp
from dpviz.pictures.palette import EDGE_ROLES, ROLES
from dpviz.widgets import Stepper, StepperError
from dpviz.widgets.svgstyle import EDGE_LOOKS


def _programs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 2))
    mlp = dp.nn.MLP([2, 3, 1], activation="tanh", seed=0)
    yield "neuron", dp.trace(lambda x, w, b: (x * w + b).tanh(), 2.0, -3.0, 5.5)
    yield "fan-out", dp.trace(lambda x: x * x + x, 3.0)
    yield "mlp", dp.trace(lambda X: (mlp(X) ** 2).mean(), X)


def _replay(frames: dict) -> list[dict]:
    """What the viewer's script does: the base state, then one diff per step."""
    state = {key: dict(frames["base"][key]) for key in ("u", "e", "t")}
    states = [json.loads(json.dumps(state))]
    for diff in frames["diffs"]:
        for key in ("u", "e", "t"):
            state[key].update(diff[key])
        states.append(json.loads(json.dumps(state)))
    return states


@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("name,prog", list(_programs()))
def test_frames_replay_to_the_state_python_draws_at_every_step(name, prog, collapse):
    s = Stepper(prog, mode="both", collapse=collapse if name == "mlp" else False)
    scene = json.loads(s.scene)
    assert scene["modes"] == ["forward", "backward", "jvp", "both"]
    for mode in scene["modes"]:
        s.mode = mode
        play = s.playback
        frames = scene["frames"][mode]
        states = _replay(frames)
        assert len(states) == play.n_steps + 1 == frames["n"] + 1
        for k, st in enumerate(states):
            assert st["u"] == {u: play.unit_look(u, k) for u in play.units}, (mode, k)
            assert st["e"] == {e: play.edge_look(e, k) for e in play.edges}, (mode, k)
            assert st["t"] == {f"{u}|{line}": list(play.text((u, line), k)) for u, line in play.texts}, (mode, k)
            s.step = k
            assert frames["counter"][k] == s.counter and frames["panel"][k] == s.panel
            # the current box is first among the boxes the camera keeps in view
            assert frames["focus"][k][:1] == ([frames["current"][k]] if k else [])
        s.step = 0


def _roles_of(unit_key: str) -> set[str]:
    if unit_key.startswith("current-"):
        return {"current", {"forward": "known", "backward": "adjoint", "jvp": "tangent"}[unit_key[8:]]}
    if unit_key.startswith("feeding-"):
        return {"read", unit_key[8:]}
    return {unit_key}


_EDGE_ROLE = {"pending": "pending", "done": "done", "adjoint": "adjoint", "tangent": "tangent",
              "feeding": "read", "feeding-back": "read_back"}


@pytest.mark.parametrize("name,prog", list(_programs()))
def test_every_look_a_mode_shows_is_in_its_legend(name, prog):
    s = Stepper(prog, mode="forward", collapse=False)
    scene = json.loads(s.scene)
    for mode in scene["modes"]:
        states = _replay(scene["frames"][mode])
        units = {key for st in states for key in st["u"].values()}
        edges = {key for st in states for key in st["e"].values()}
        legend = scene["legend"][mode]
        for key in units:
            for role in _roles_of(key):
                assert ROLES[role].title in legend, (mode, key, role)
        for key in edges:
            assert EDGE_ROLES[_EDGE_ROLE[key]].title in legend, (mode, key)
        # and nothing in the legend that the mode never shows
        shown = {t for key in units for t in (ROLES[r].title for r in _roles_of(key))}
        shown |= {EDGE_ROLES[_EDGE_ROLE[key]].title for key in edges}
        listed = set(re.findall(r"</(?:span|svg)>([^<]+)</span>", legend))
        assert listed <= shown, (mode, listed - shown)


def test_backward_arrows_point_back_at_the_input_in_the_static_picture():
    s = Stepper(dp.trace(lambda x: x * x, 3.0), mode="backward")
    svg = s.goto(2).svg
    lit = re.search(r'data-dp-edge="e-n0-n1-0">(.*?)</g>', svg, re.S).group(1)
    other = re.search(r'data-dp-edge="e-n0-n1-1">(.*?)</g>', svg, re.S).group(1)
    assert 'marker-start="url(#' in lit and f'stroke="{EDGE_LOOKS["feeding-back"].stroke}"' in lit
    assert "marker-start" not in other                     # its twin has carried nothing yet
    marker = re.search(r'<marker id="([^"]+)"', svg).group(1)
    assert f"url(#{marker})" in svg or "marker-start" in svg
    assert 'fill="none" stroke="none"' in lit              # the head at the op's end is hidden


def test_the_widget_output_carries_a_static_picture():
    s = Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both").goto(3)
    bundle = s._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert s.svg in data["text/html"] and "Static picture of step 3 (both)" in data["text/html"]


def test_the_standalone_page_embeds_everything_and_cannot_be_closed_early(tmp_path):
    a = dp.tensor(2.0, requires_grad=True, name="</script><b>")
    s = Stepper(dp.trace(lambda x: (x * a).exp(), 1.0), mode="backward")
    page = s.to_html()
    assert page.count("</script>") == 2                     # the JSON's own and the code's, nothing forged
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "").replace("http://www.w3.org/1999/xlink", "") \
        .replace("http://www.w3.org/2000/svg", "")
    state = json.loads(re.search(r'<script type="application/json" class="dpv-scene">(.*?)</script>', page,
                                 re.S).group(1).replace("<\\/", "</"))
    assert json.loads(state["scene"])["frames"]["backward"]["n"] == s.n_steps
    out = s.save_html(tmp_path / "page.html")
    assert out.read_text().startswith("<!DOCTYPE html>") and oct(out.stat().st_mode & 0o777) == "0o644"
    with pytest.raises(StepperError, match="ending in .html"):
        s.save_html(tmp_path / "page.svg")
    with pytest.raises(StepperError, match="does not exist"):
        s.save_html(tmp_path / "nowhere" / "page.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]   # no temporary file left


def test_opening_and_folding_scopes_keeps_the_step():
    mlp = dp.nn.MLP([2, 3, 1], seed=0)
    s = Stepper(dp.trace(lambda x: mlp(x).sum(), [[1.0, 2.0]]), mode="backward", collapse=True).goto(4)
    scene = json.loads(s.scene)
    assert scene["foldable"] and list(scene["groups"]) == ["g0"]
    s.expand("g0")
    assert s.step == 4 and s._folded() == ["mlp/layer0", "mlp/layer1"]
    anchor = json.loads(s.scene)["anchor"]
    assert {"g0", "g1"} <= set(anchor)                     # where the one box was, its two inner scopes now are
    s.fold("mlp")
    assert s._folded() == ["mlp"] and s.step == 4
    with pytest.raises(StepperError, match="not a scope"):
        s.fold("nope")
    with pytest.raises(StepperError, match="no collapsed scope"):
        s.expand("n3")
    # from the browser: a message, answered with a note when it cannot be done
    notes = []
    s.send = lambda msg: notes.append(msg)                 # type: ignore[method-assign]
    s._on_browser_message(s, {"event": "fold", "scope": "nope"}, [])
    assert notes and notes[0]["kind"] == "note" and "not a scope" in notes[0]["text"]


def test_a_pytorch_graph_has_only_the_backward_mode():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    s = Stepper((x * x).sum(), mode="backward")
    assert s.modes == ("backward",) and json.loads(s.scene)["modes"] == ["backward"]
    with pytest.raises(StepperError, match="has modes 'backward'"):
        s.mode = "forward"


def test_node_details_carry_full_values_and_rules():
    s = Stepper(dp.trace(lambda a, b: (a @ b).tanh().sum(), np.ones((2, 3)), np.arange(12.0).reshape(3, 4) / 12),
                mode="both")
    nodes = json.loads(s.scene)["nodes"]
    matmul = next(v for v in nodes.values() if v["op"] == "matmul")
    assert matmul["shape"] == [2, 4] and len(matmul["value"]["data"]) == 8
    assert matmul["rules"] and matmul["inputs"] == ["v0 (a)", "v1 (b)"]
    tanh = next(v for v in nodes.values() if v["op"] == "tanh")
    assert "1 −" in " ".join(tanh["rules"]) or "tanh" in " ".join(tanh["rules"])
    assert tanh["grads"]["backward"] and tanh["grads"]["both"][0][0] > tanh["grads"]["backward"][0][0]


def test_nbconvert_and_nbviewer_show_the_static_picture():
    """Without widget state (nbviewer, GitHub, a plain export) a notebook shows the step's SVG."""
    import nbformat
    from nbconvert import HTMLExporter

    s = Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both").goto(2)
    bundle = s._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("stepper")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
    nb.cells = [cell]
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert "Static picture of step 2 (both)" in body and 'data-dp-unit="n2"' in body


def test_modes_a_program_does_not_allow_are_named_with_the_reason():
    s = Stepper(dp.trace(lambda x: x * 2.0, np.ones(3)), mode="forward")     # a vector output: no default seed
    assert s.modes == ("forward", "jvp")
    scene = json.loads(s.scene)
    assert set(scene["refused"]) == {"backward", "both"} and "seed" in scene["refused"]["backward"]
    with pytest.raises(StepperError, match="has modes 'forward', 'jvp'"):
        s.mode = "backward"
    # with a seed the same program has every mode
    assert Stepper(dp.trace(lambda x: x * 2.0, np.ones(3)), seed=np.ones(3)).modes == ("forward", "backward", "jvp", "both")
