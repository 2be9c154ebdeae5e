"""In-place operations, views and version counters (the AD notes' two examples, and more)."""
import numpy as np
import pytest

import dpviz as dp


def test_version_counter_counts_inplace_changes():
    y = dp.tensor(np.zeros(3))
    assert y.version == 0
    y.add_(1.0)
    y.mul_(2.0)
    y[0] = 5.0
    assert y.version == 3
    np.testing.assert_array_equal(y.data, [5.0, 2.0, 2.0])


def test_views_share_the_version_counter_with_their_base():
    x = dp.tensor(np.arange(4.0), requires_grad=True)
    h = x * 1.0
    v = h[:2]
    assert v.version == h.version == 0
    h.add_(1.0)
    assert v.version == h.version == 1


def test_aliasing_example_of_the_notes_is_rejected():
    # y = x[:2]; x.add_(3); y.backward(): y's recorded history no longer matches its value
    x0 = dp.tensor(np.arange(4.0), name="x0", requires_grad=True)
    x = (x0 * 1.0).named("x")
    y = x[:2]
    x.add_(3.0)
    np.testing.assert_array_equal(y.data, [3.0, 4.0])     # the view sees the change, as in NumPy
    with pytest.raises(dp.InplaceError, match="'add_' on 'x'"):
        y.sum().backward()


def test_inplace_on_a_leaf_that_requires_grad_is_refused_but_allowed_under_no_grad():
    w = dp.tensor(np.ones(2), name="w", requires_grad=True)
    with pytest.raises(dp.InplaceError, match="leaf that requires grad.*no_grad"):
        w.add_(1.0)
    with pytest.raises(dp.InplaceError, match="through a view"):
        w[:1].mul_(2.0)
    with dp.no_grad():
        w.add_(1.0)
    np.testing.assert_array_equal(w.data, [2.0, 2.0])


def test_inplace_add_on_intermediate_gives_correct_gradients():
    x = dp.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3.0
    y.add_(x)            # add's rule saves nothing, so this is allowed
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])


def test_inplace_mul_keeps_the_old_value_it_needs():
    x = dp.tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = dp.tensor(np.array([3.0, 5.0]), requires_grad=True)
    y = x * 2.0
    y.mul_(w)            # d(y*w)/dw needs the old y: dpviz keeps a copy (a 'clone' node)
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    np.testing.assert_array_equal(x.grad, [6.0, 10.0])


def test_setitem_records_a_differentiable_update():
    a = dp.tensor(2.0, requires_grad=True)
    out = dp.zeros(3)
    out[1] = a * a
    out[2] = a
    assert out.op == "setitem"
    (out * np.array([1.0, 10.0, 100.0])).sum().backward()
    assert float(a.grad) == 10.0 * 4.0 + 100.0


def test_setitem_on_intermediate_blocks_gradient_at_overwritten_positions():
    x = dp.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    h = x * 2.0
    h[1] = 0.0
    h.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 2.0])


def test_saved_parameter_changed_by_optimiser_step_is_detected():
    w = dp.tensor(np.array([1.0, 2.0]), name="w", requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt = dp.optim.SGD([w], lr=0.1)
    opt.step()
    with pytest.raises(dp.InplaceError, match="'mul'.*SGD.step"):
        loss.backward()


def test_program_of_an_inplace_computation_is_functional_and_replays():
    def f(x):
        y = x * 2.0
        y.add_(1.0)
        y[0] = y[1] * 3.0
        return y.sum()

    prog = dp.trace(f, np.array([1.0, 2.0]))
    assert [n.op for n in prog.nodes if n.kind == "op"] == ["mul", "add_", "getitem", "mul", "setitem", "sum"]
    for x in (np.array([1.0, 2.0]), np.array([-3.0, 0.5])):
        y = x * 2 + 1
        y[0] = y[1] * 3
        assert np.isclose(prog(x), y.sum())
    g = prog.backward()[0]
    np.testing.assert_allclose(g, [0.0, 8.0])


def test_constant_leaf_changed_in_place_keeps_its_old_value_in_the_program():
    def f(a):
        out = dp.zeros(2)
        out[0] = a
        return out.sum()

    prog = dp.trace(f, 3.0)
    zeros = [n for n in prog.nodes if n.kind == "const" and n.shape == (2,)]
    np.testing.assert_array_equal(zeros[0].value, [0.0, 0.0])
    assert float(prog(5.0)) == 5.0


def _torch_grads(fn, x0):
    import torch
    x = torch.tensor(x0, requires_grad=True)
    fn(x).backward()
    return x.grad.numpy()


def test_write_through_a_view_updates_the_base_like_pytorch_copyslices():
    def f(x, lib_tensor_ops=None):
        b = x * 1.0
        v = b[1:3]
        v.mul_(10.0)
        v.add_(x[0] * x[0] if hasattr(x, "node") else x[0] * x[0])
        return (b * b).sum()

    x0 = np.array([0.5, -1.0, 2.0, 3.0])
    x = dp.tensor(x0, requires_grad=True)
    f(x).backward()
    np.testing.assert_allclose(x.grad, _torch_grads(f, x0), rtol=1e-12)
    prog = dp.trace(f, x0)                     # the same code as a Definition-1 program
    assert "setitem" in [n.op for n in prog.nodes]
    np.testing.assert_allclose(prog.backward()[0], x.grad, rtol=1e-12)


def test_write_through_a_view_of_a_constant_brings_the_graph_into_the_base():
    a = dp.tensor(2.0, requires_grad=True)
    out = dp.zeros(3)
    v = out[0:2]
    v.add_(a * a)                 # out has no history of its own, but now depends on a
    (out * np.array([1.0, 10.0, 100.0])).sum().backward()
    assert float(a.grad) == 2 * 2.0 * (1.0 + 10.0)


def test_a_view_taken_before_another_write_is_refused():
    x = dp.tensor(np.arange(4.0), requires_grad=True)
    b = x * 1.0
    v1, v2 = b[:2], b[2:]
    v1.add_(1.0)
    with pytest.raises(dp.InplaceError, match="changed in place"):
        v2.add_(1.0)


def _through_views(write):
    """f(x): b = x·x (owns its memory), ``write(b)`` changes b through some view, then sum(b·x).

    Weighting by x (different in every element) makes a write to the wrong element show.
    """
    def f(x):
        b = x * x
        write(b, x)
        return (b * x).sum()
    return f


VIEW_WRITES = {
    "reshape": lambda b, x: b.reshape(4, 3).mul_(2.0),
    "transpose": lambda b, x: b.T.add_(x.T * 3.0),
    "view of a view": lambda b, x: b[1:][:, ::2].mul_(x[1:][:, ::2]),
    "reshape then slice": lambda b, x: b.reshape(6, 2)[:, 1].mul_(-1.0),
    "transpose then row": lambda b, x: b.T[2].add_(x[:, 0]),
    "twice through one view": lambda b, x: b.T[1:3].mul_(2.0).add_(1.0),
}


@pytest.mark.parametrize("name", VIEW_WRITES)
def test_write_through_any_view_updates_the_base_like_pytorch(name):
    """Reshaped, transposed and nested views write into their base, as in PyTorch (CopySlices)."""
    f = _through_views(VIEW_WRITES[name])
    x0 = np.linspace(-1.0, 1.5, 12).reshape(3, 4)
    x = dp.tensor(x0, requires_grad=True)
    y = f(x)
    y.backward()
    import torch
    xt = torch.tensor(x0, requires_grad=True)
    yt = f(xt)
    yt.backward()
    assert np.isclose(float(y.data), yt.item()), name
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12, err_msg=name)
    prog = dp.trace(f, x0)                     # one recorded program, replayed on new inputs
    x1 = x0[::-1].copy()
    assert np.isclose(float(prog(x1)), float(f(torch.tensor(x1)))), name
    np.testing.assert_allclose(prog.backward()[0], _torch_grads(f, x1), rtol=1e-12, err_msg=name)  # at x1
    tangent = np.random.default_rng(0).standard_normal(x0.shape)       # forward mode agrees too
    _, dy = dp.jvp(f, (x0,), (tangent,))
    assert np.isclose(float(dy), float((x.grad * tangent).sum()), rtol=1e-10), name


def test_an_intermediate_view_is_stale_after_a_write_through_a_view_of_it():
    x = dp.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = x * 1.0
    t = b.T                       # taken before the write below changes its memory
    t[0].mul_(2.0)
    b.sum().backward()            # b itself catches up
    np.testing.assert_allclose(x.grad, [[2.0, 1.0, 1.0], [2.0, 1.0, 1.0]])
    with pytest.raises(dp.InplaceError, match="changed in place"):
        t.sum()


# ---------------------------------------------------------------------------- PyTorch's rule (issue 17, B)

def _torch_case(build):
    import torch

    x = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    try:
        build(x, torch).backward()
    except RuntimeError:
        return "error"
    return float(x.grad)


def _dpviz_case(build):
    x = dp.tensor(3.0, requires_grad=True)
    try:
        build(x, dp).backward()
    except dp.InplaceError:
        return "error"
    return float(x.grad)


def _exp_div_then_add(x, lib):          # micrograd's own test writes it with +=
    w = x.exp() / 2.0
    w += 1.0
    return w


def _scaled_copy_then_add(x, lib):
    y = x * 1.0
    w = 3.0 * y
    y += 1.0
    return w


def _square_of_overwritten(x, lib):     # a * a reads a for both arguments: refused by both
    a = x * 1.0
    w = a * a
    a += 1.0
    return w


def _tanh_then_add(x, lib):             # tanh's rule reads its output
    y = x.tanh()
    w = y * 1.0
    y += 3.0
    return w + y


@pytest.mark.parametrize("build", [_exp_div_then_add, _scaled_copy_then_add, _square_of_overwritten, _tanh_then_add])
def test_in_place_changes_are_refused_exactly_where_pytorch_refuses_them(build):
    expected = _torch_case(build)
    got = _dpviz_case(build)
    assert got == pytest.approx(expected) if expected != "error" else got == "error"
