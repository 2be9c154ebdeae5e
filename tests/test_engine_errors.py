"""Section C of the engine issue: bad input gets a clear dpviz error, never a bare traceback.

Each test checks the exception class *and* that the message names what was wrong
and what to do.
"""
import numpy as np
import pytest

import dpviz as dp


def test_matmul_shape_mismatch_names_both_shapes_and_the_op():
    a = dp.tensor(np.ones((2, 3)), requires_grad=True)
    b = dp.tensor(np.ones((4, 5)))
    with pytest.raises(dp.ShapeError) as e:
        a @ b
    msg = str(e.value)
    assert "'matmul'" in msg and "(2, 3)" in msg and "(4, 5)" in msg


def test_broadcast_mismatch_names_both_shapes_and_the_op():
    with pytest.raises(dp.ShapeError) as e:
        dp.tensor(np.ones(3), requires_grad=True) + dp.tensor(np.ones(4))
    assert "'add'" in str(e.value) and "(3,)" in str(e.value) and "(4,)" in str(e.value)


def test_shape_error_is_also_a_value_error():
    with pytest.raises(ValueError):
        dp.tensor(np.ones(3)) * np.ones(2)


def test_backward_on_non_scalar_without_seed():
    y = dp.tensor(np.ones(3), requires_grad=True) * 2
    with pytest.raises(dp.BackwardError, match=r"shape \(3,\).*y.sum\(\).backward\(\)"):
        y.backward()
    y.backward(np.ones(3))      # with a seed it works


def test_backward_seed_of_wrong_shape():
    y = dp.tensor(np.ones(3), requires_grad=True) * 2
    with pytest.raises(dp.ShapeError, match=r"\(3,\)"):
        y.backward(np.ones(2))


def test_backward_twice_through_freed_buffers():
    x = dp.tensor(1.0, requires_grad=True)
    y = x.tanh()
    y.backward()
    with pytest.raises(dp.BackwardError, match="second time.*retain_graph=True"):
        y.backward()


def test_backward_twice_with_retain_graph_accumulates():
    x = dp.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert float(x.grad) == 8.0


def test_backward_on_a_tensor_without_graph():
    with pytest.raises(dp.BackwardError, match="requires_grad=True"):
        dp.tensor(1.0).backward()


def test_grad_of_a_function_that_does_not_return_a_scalar():
    with pytest.raises(dp.BackwardError, match=r"scalar.*\(3,\)"):
        dp.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(dp.BackwardError, match="scalar"):
        dp.grad(lambda x: "loss")(1.0)


@pytest.mark.parametrize("data", [np.array([1, 2]), np.array([True, False])])
def test_integer_and_bool_data_where_floats_are_needed(data):
    t = dp.tensor(data)
    assert t.dtype.kind in "ib"          # kept, e.g. for labels and masks
    with pytest.raises(dp.DTypeError, match=r"'exp' needs floating-point data.*\.float\(\)"):
        t.exp()
    with pytest.raises(dp.DTypeError, match="floating-point"):
        dp.tensor([1.0, 2.0], requires_grad=True) @ dp.tensor(np.eye(2, dtype=int))


def test_object_and_complex_data_are_rejected():
    with pytest.raises(dp.DTypeError, match="complex"):
        dp.tensor(np.array([1 + 2j]))
    with pytest.raises(dp.DTypeError):
        dp.tensor(np.array([object()], dtype=object))
    with pytest.raises(dp.DTypeError):
        dp.tensor(["a", "b"])
    with pytest.raises(dp.DTypeError, match="complex"):
        dp.tensor(1.0, requires_grad=True) * (1 + 2j)


def test_requires_grad_on_non_float():
    with pytest.raises(dp.DTypeError, match="requires_grad=True needs floating-point"):
        dp.tensor([1, 2], requires_grad=True)
    t = dp.tensor([1, 2])
    with pytest.raises(dp.DTypeError):
        t.requires_grad = True


@pytest.mark.parametrize("bad", ["text", None, {"a": 1}, [1.0, 2.0], object()])
def test_unsupported_python_types_in_ops(bad):
    x = dp.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(dp.UnsupportedTypeError, match="dp.tensor"):
        x * bad


def test_nan_under_anomaly_mode_names_node_and_op():
    x = dp.tensor(np.array([1.0, -1.0]), name="x", requires_grad=True)
    with dp.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(dp.AnomalyError, match=r"'log'.*NaN"):
            with dp.scope("block"):
                x.log()
    # without anomaly mode the NaN flows through silently, as in NumPy
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().data[1])


def test_anomaly_in_the_backward_pass():
    x = dp.tensor(0.0, name="x", requires_grad=True)
    y = x.sqrt()                         # value 0 is fine; its derivative is infinite
    with dp.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(dp.AnomalyError, match=r"backward pass of 'sqrt'.*inf"):
            y.backward()


def test_inplace_change_of_a_saved_value_names_both_ops():
    # the AD notes' example: y = x.tanh(); y.add_(3); y.backward()
    x = dp.tensor(np.array([0.5, -0.5]), name="x", requires_grad=True)
    y = x.tanh().named("y")
    y.add_(3.0)
    with pytest.raises(dp.InplaceError) as e:
        y.sum().backward()
    msg = str(e.value)
    assert "'tanh'" in msg and "'add_'" in msg and "version 0" in msg


def test_replay_with_inputs_of_another_shape():
    prog = dp.trace(lambda x: (x * x).sum(), np.ones((2, 2)))
    with pytest.raises(dp.ReplayError, match=r"traced with shape \(2, 2\); got \(3, 2\).*dp.trace"):
        prog(np.ones((3, 2)))
    with pytest.raises(dp.ReplayError, match="1 input"):
        prog(np.ones((2, 2)), np.ones(2))


def test_every_error_is_a_dpviz_error():
    for cls in (dp.ShapeError, dp.DTypeError, dp.UnsupportedTypeError, dp.BackwardError,
                dp.InplaceError, dp.AnomalyError, dp.ReplayError):
        assert issubclass(cls, dp.DpvizError)


def test_bad_axis_and_reshape_and_index():
    x = dp.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(dp.ShapeError, match="axis 2 is out of range"):
        x.sum(axis=2)
    with pytest.raises(dp.ShapeError, match=r"cannot turn shape \(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(dp.ShapeError, match="index"):
        x[5]
    with pytest.raises(dp.UnsupportedTypeError):
        x["a"]


def test_cross_entropy_bad_targets():
    logits = dp.tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(dp.ShapeError, match="0..2"):
        dp.cross_entropy(logits, [0, 3])
    with pytest.raises(dp.DTypeError, match="integer class indices"):
        dp.cross_entropy(logits, [0.0, 1.0])
    with pytest.raises(dp.ShapeError, match=r"targets of shape \(2,\)"):
        dp.cross_entropy(logits, [0, 1, 2])


def test_trace_rejects_non_tensor_outputs_and_odd_arguments():
    with pytest.raises(dp.UnsupportedTypeError, match="must return a dpviz tensor"):
        dp.trace(lambda x: 3.0, 1.0)
    with pytest.raises(dp.UnsupportedTypeError, match="keyword"):
        dp.trace(lambda x, name: x, 1.0, "abc")


# ---------------------------------------------------------------------------- issue 17, D

def test_shape_errors_give_advice_that_fits_the_op():
    import numpy as np

    with pytest.raises(dp.ShapeError, match="to scale by a number, use \\* instead of @"):
        dp.tensor(np.ones(3)) @ 2.0
    with pytest.raises(dp.ShapeError, match="each pair of sizes must be equal or 1") as err:
        dp.tensor(np.ones(2)) + dp.tensor(np.ones(3))
    assert "matmul" not in str(err.value)
    with pytest.raises(dp.ShapeError, match="last axis of the left operand"):
        dp.tensor(np.ones((2, 3))) @ dp.tensor(np.ones((2, 3)))


def test_leaves_and_transformations_are_named_as_a_learner_knows_them():
    import numpy as np

    with pytest.raises(dp.BackwardError, match="an unnamed constant"):
        dp.tensor(2.0).exp().backward()
    with pytest.raises(dp.BackwardError, match="^dp.hvp needs f to return a scalar"):
        dp.hvp(lambda x: x * x, np.ones(2), np.ones(2))
