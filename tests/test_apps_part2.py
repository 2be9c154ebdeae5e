"""The building blocks of part 2 (dpviz.apps): generators, score functions, addressing, solvers.

Fast tests: each checks one property against an independent computation (numpy by hand, finite
differences, or the definition in the texts), plus the errors that bad input must raise.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import dpviz as dp
from dpviz.apps import AppError, attention, dynamics, memory, odes, plasticity, seqdata, strategies


# ------------------------------------------------------------------------------ seqdata

def test_generators_are_seeded_and_correct():
    a, b = seqdata.reverse_task(5, 7, seed=4), seqdata.reverse_task(5, 7, seed=4)
    assert np.array_equal(a.inputs, b.inputs)
    assert np.array_equal(a.targets, a.inputs[:, ::-1])
    assert not np.array_equal(a.inputs, seqdata.reverse_task(5, 7, seed=5).inputs)
    c = seqdata.copy_task(3, 4, vocab=3, seed=0)
    assert c.inputs.max() < 3 and np.array_equal(c.inputs, c.targets)
    assert np.array_equal(seqdata.decode(seqdata.encode(c.inputs)), c.inputs)


def test_where_is_answers_follow_from_the_story():
    for with_objects in (False, True):
        qa = seqdata.where_is_task(60, with_objects=with_objects, seed=3)
        for k in range(60):
            words = lambda ids: [qa.vocab[j] for j in ids if j]
            subject = qa.vocab[qa.questions[k, 2]]
            story = [words(s) for s in qa.stories[k]]
            if with_objects:
                takers = [s[0] for s in story if s[1] == "took" and s[3] == subject]
                assert len(takers) == 1
                subject = takers[0]
            moves = [s[3] for s in story if s[0] == subject and s[1] == "went"]
            assert qa.vocab[qa.answers[k]] == moves[-1]
            # the supporting sentences name the subject (and, for objects, the object)
            assert all(qa.stories[k, i].any() for i in qa.support[k])


@pytest.mark.parametrize("bad", [dict(n=0, length=3), dict(n=2, length=0), dict(n=2, length=3, vocab=1)])
def test_bad_sequence_settings_raise(bad):
    with pytest.raises(AppError):
        seqdata.copy_task(**bad)
    with pytest.raises(dp.DpvizError):
        seqdata.where_is_task(0)


# ------------------------------------------------------------------------------ attention

def test_bahdanau_scores_match_the_formula():
    rng = np.random.default_rng(1)
    s, H = rng.standard_normal(3), rng.standard_normal((4, 5))
    W, v = rng.standard_normal((6, 8)), rng.standard_normal(6)
    want = [v @ np.tanh(W @ np.concatenate([s, h])) for h in H]
    assert np.allclose(attention.bahdanau_scores(s, H, W, v).data, want)


def test_cosine_scores_and_attend():
    rng = np.random.default_rng(2)
    s, H = rng.standard_normal(4), rng.standard_normal((5, 4))
    want = H @ s / (np.linalg.norm(H, axis=1) * np.linalg.norm(s))
    assert np.allclose(attention.cosine_scores(s, H).data, want)
    alpha, c = attention.attend(want, H)
    e = np.exp(want - want.max())
    assert np.allclose(alpha.data, e / e.sum()) and np.allclose(c.data, (e / e.sum()) @ H)


def test_attention_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    s, H = rng.standard_normal(2), rng.standard_normal((3, 2))
    W, v = rng.standard_normal((4, 4)), rng.standard_normal(4)
    f = lambda W_: attention.attend(attention.bahdanau_scores(s, H, W_, v), H)[1].sum()
    g = dp.grad(f)(W)
    eps, num = 1e-6, np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        d = np.zeros_like(W); d[idx] = eps
        num[idx] = (float(f(W + d).data) - float(f(W - d).data)) / (2 * eps)
    assert np.allclose(g, num, atol=1e-6)


def test_self_attention_matches_numpy_and_paths_are_constant():
    rng = np.random.default_rng(4)
    X, Wq, Wk, Wv = rng.standard_normal((5, 3)), *(rng.standard_normal((3, 3)) for _ in range(3))
    Y, A = attention.self_attention(X, Wq, Wk, Wv)
    S = (X @ Wq) @ (X @ Wk).T / np.sqrt(3)
    E = np.exp(S - S.max(axis=1, keepdims=True))
    want_A = E / E.sum(axis=1, keepdims=True)
    assert np.allclose(A.data, want_A) and np.allclose(Y.data, want_A @ X @ Wv)
    from dpviz import analysis
    prog = dp.trace(lambda *xs: tuple(attention.self_attention(dp.stack(list(xs)), Wq, Wk, Wv)[0][t] for t in range(4)),
                    *X[:4])
    assert analysis.lag_profile(prog, prog.inputs, prog.outputs).symmetric


def test_rnn_states_follow_eq2():
    rng = np.random.default_rng(5)
    X, W, U = rng.standard_normal((4, 2)), rng.standard_normal((3, 2)), rng.standard_normal((3, 3))
    h, want = np.zeros(3), []
    for x in X:
        h = np.tanh(W @ x + U @ h)
        want.append(h)
    assert np.allclose(attention.rnn_states(X, W, U).data, want)


def test_attention_bad_input():
    with pytest.raises(AppError):
        attention.bahdanau_scores(np.ones(2), np.ones((3, 2)), np.ones((4, 3)), np.ones(4))
    with pytest.raises(AppError):
        attention.cosine_scores(np.ones(2), np.ones((3, 3)))
    with pytest.raises(AppError):
        attention.Seq2Seq(attention="dot")
    with pytest.raises(AppError):
        attention.alignment(attention.Seq2Seq(vocab=3, hidden=4), [0, 1])
    with pytest.raises(AppError):
        attention.train_seq2seq(attention.Seq2Seq(vocab=3, hidden=4), attention.Seq2SeqSettings(task="sort", steps=1))


def test_seq2seq_teacher_forcing_and_greedy_agree_on_the_first_step():
    m = attention.Seq2Seq(vocab=5, hidden=8, attention="bahdanau", seed=0).eval()
    src = torch.as_tensor(seqdata.encode(seqdata.copy_task(2, 4, vocab=5, seed=0).inputs))
    start = torch.zeros((2, 1), dtype=torch.long)
    with torch.no_grad():
        tf, A1 = m(src, torch.cat([start, src[:, :-1]], 1))
        gr, A2 = m(src, steps=4)
    assert torch.allclose(tf[:, 0], gr[:, 0]) and torch.allclose(A1[:, 0], A2[:, 0])
    assert torch.allclose(A1.sum(-1), torch.ones(2, 4))


# ------------------------------------------------------------------------------ memory

def test_content_and_allocation_weights():
    M = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    w = memory.content_weights(M, np.array([[1.0, 0.0]]), np.array([2.0]))
    cos = np.array([1.0, 0.0, 1 / np.sqrt(2)])
    assert np.allclose(w[0], np.exp(2 * cos) / np.exp(2 * cos).sum(), atol=1e-5)
    a = memory.allocation_weights(np.array([[0.9, 0.1, 0.5]]))
    assert np.allclose(a[0], [0.1 * 0.1 * 0.5, 0.9, 0.5 * 0.1], atol=1e-4)
    assert np.allclose(memory.allocation_weights(np.zeros((1, 4)))[0], [1, 0, 0, 0], atol=1e-4)


def test_memory_bad_input():
    with pytest.raises(AppError):
        memory.DNCMemory(max_len=8, slots=4)
    with pytest.raises(AppError):
        memory.MemN2N(n_words=10, n_sentences=3, hops=0)
    with pytest.raises(AppError):
        memory.content_weights(np.ones((2, 3)), np.ones((2, 3)), np.ones(2))


# ------------------------------------------------------------------------------ plasticity

def test_plastic_step_is_eqs_12_and_13():
    net = plasticity.PlasticNet(n=3, plastic=True, seed=1)
    rng = np.random.default_rng(0)
    y0, H0, x = rng.standard_normal((2, 3)), rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3))
    y, H = plasticity.plastic_step(y0, H0, x, net)
    w, al, eta = net.w.data, net.alpha.data, net.eta
    for b in range(2):
        want_y = np.tanh((w + al * H0[b]).T @ y0[b] + x[b])
        assert np.allclose(y.data[b], want_y)
        assert np.allclose(H.data[b], eta * np.outer(y0[b], want_y) + (1 - eta) * H0[b])


def test_plasticity_episodes_and_errors():
    ep = plasticity.make_episodes(3, n=8, patterns=2, show=2, repeats=2, gap=1, test=3, seed=0)
    assert ep.inputs.shape == (2 * 2 * 3 + 3, 3, 8)
    assert np.all(ep.inputs[-1][ep.erased] == 0) and np.all(ep.inputs[-1][~ep.erased] == ep.target[~ep.erased])
    with pytest.raises(AppError):
        plasticity.PlasticNet(n=1)
    with pytest.raises(AppError):
        plasticity.run_episode(plasticity.PlasticNet(n=4), ep)


# ------------------------------------------------------------------------------ dynamics

def test_maps_follow_their_equations():
    x = dynamics.logistic_map(50, r=3.9, x0=0.3)
    assert np.allclose(x[1:], 3.9 * x[:-1] * (1 - x[:-1]))
    h = dynamics.henon_map(50)
    assert np.allclose(h[2:], 1 - 1.4 * h[1:-1] ** 2 + 0.3 * h[:-2])      # delay-2 form (exercise 13.1)
    s, d = dynamics.switching_lag(200, period=50, noise=0.0, seed=1)
    assert set(d.tolist()) == {2, 11}
    t = 120                                                                # noise-free: the rule is exact
    assert np.isclose(s[t + 1], 0.9 * np.tanh(2 * s[t - d[t]]))
    # with noise: a rule that knows the lag in force leaves exactly the noise (σ = 0.5), a one-lag rule more
    x, _ = dynamics.switching_lag(6000)
    errors = {k: v * x[:4200].std() for k, v in dynamics.switching_reference_errors(6000).items()}
    assert abs(errors["knows the lag"] - 0.5) < 0.02, errors
    assert min(errors["always lag 2"], errors["always lag 11"]) > 0.6, errors
    mg = dynamics.mackey_glass(300)
    assert 0.2 < mg.min() and mg.max() < 1.6 and mg.std() > 0.1           # the chaotic attractor's range


def test_gradient_vs_lag_matches_autograd_on_one_window():
    f = dynamics.fit("rnn", dynamics.logistic_map(150), dynamics.DynSettings(width=6, hidden=4, epochs=1))
    g = dynamics.gradient_vs_lag(f, samples=1)
    X, _ = dynamics.windows(f.x, 6)
    x = torch.as_tensor(X[f.split - 6:f.split - 5], dtype=torch.float32).requires_grad_(True)
    f.model(x).sum().backward()
    assert np.allclose(g, x.grad.abs()[0].numpy()[::-1], atol=1e-6)


def test_dynamics_bad_input():
    with pytest.raises(AppError):
        dynamics.series("lorenz", 10)
    with pytest.raises(AppError):
        dynamics.Predictor("gru")
    with pytest.raises(AppError):
        dynamics.logistic_map(10, r=5.0)
    with pytest.raises(AppError):
        dynamics.fit("fnn", np.ones(20), dynamics.DynSettings(width=24))


# ------------------------------------------------------------------------------ odes

def test_rk4_solver_converges_at_fourth_order():
    # the nonlinear pendulum has no closed form: compare with the same solver at a much finer step
    fine = odes.simulate(np.array([4.0, 0.3]), steps=800, dt=0.0025).data[::80]
    e1 = np.abs(odes.simulate(np.array([4.0, 0.3]), steps=10, dt=0.2).data - fine).max()
    e2 = np.abs(odes.simulate(np.array([4.0, 0.3]), steps=20, dt=0.1).data[::2] - fine).max()
    assert 10 < e1 / e2 < 25                                              # halving h divides the error by ~16


def test_sensitivities_match_finite_differences():
    obs = odes.observe(steps=30)
    S = odes.sensitivities(odes.START, obs)
    eps = 1e-6
    for j in range(2):
        d = np.zeros(2); d[j] = eps
        with dp.no_grad():
            num = (odes.simulate(odes.START + d, 30).data - odes.simulate(odes.START - d, 30).data) / (2 * eps)
        assert np.allclose(S[:, j], num, atol=1e-6)


def test_odes_bad_input():
    with pytest.raises(AppError):
        odes.simulate(np.ones(3))
    with pytest.raises(AppError):
        odes.simulate(np.ones(2), steps=0)
    with pytest.raises(AppError):
        odes.vector_field("neural")
    with pytest.raises(AppError):
        odes.train_hybrid(odes.HybridSettings(t_train=5.0, t_test=5.0))


# ------------------------------------------------------------------------------ strategies

def test_algorithm_1_and_its_relaxation():
    grid = np.linspace(-1, 1, 9)
    p1, p2 = np.meshgrid(grid, grid[::-1] + 0.01)
    p1, p2 = p1.ravel(), p2.ravel()
    hard = strategies.run_algorithm_1(p1, p2)
    want = np.where((p1 > 0) & (p2 > 0), 1, np.where((p1 <= 0) & (p2 <= 0), -1, 0))
    assert np.array_equal(hard, want)
    soft = strategies.relaxed_positions(p1, p2, np.zeros(2), temperature=1e-4).data
    assert np.allclose(soft[p1 != 0], hard[p1 != 0], atol=1e-6)
    assert np.array_equal(strategies.hard_positions(p1, p2, np.zeros(2)).data[p1 != 0], hard[p1 != 0])


def test_profit_and_errors():
    assert strategies.profit([1, -1], [0.0, 1.0, 3.0], cost=0.5) == pytest.approx(1 - 2 - 0.5 * 3)
    with pytest.raises(AppError):
        strategies.profit([1, 1, 1], [0.0, 1.0])
    with pytest.raises(AppError):
        strategies.relaxed_positions([0.0], [0.0], np.zeros(4))
    with pytest.raises(AppError):
        strategies.markets(5)


# ------------------------------------------------------------------------------ documentation

def test_every_public_name_of_the_apps_has_a_runnable_example():
    import importlib
    import inspect
    missing = []
    names = ["dpviz.apps", *(f"dpviz.apps.{m}" for m in ("seqdata", "attention", "memory", "plasticity", "dynamics",
                                                          "odes", "strategies", "figures")), "dpviz.exercises.part2"]
    for mod_name in names:
        mod = importlib.import_module(mod_name)
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod_name:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if ">>>" not in (inspect.getdoc(obj) or ""):
                missing.append(f"{mod_name}.{name}")
            for attr, value in (vars(obj).items() if inspect.isclass(obj) else ()):
                if attr.startswith("_"):
                    continue
                doc = value.__doc__ if isinstance(value, property) else (
                    inspect.getdoc(getattr(obj, attr)) if inspect.isfunction(value)
                    or isinstance(value, (classmethod, staticmethod)) else ">>>")
                if ">>>" not in (doc or ""):
                    missing.append(f"{mod_name}.{name}.{attr}")
    assert not missing, f"public names without a runnable example: {missing}"
