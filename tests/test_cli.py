"""The dpviz command line: help, doctor, and errors for unknown commands."""
import subprocess
import sys

from dpviz.__main__ import main


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "doctor" in out and "reproduce citeseer" in out


def test_unknown_command_fails_with_usage(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_doctor_reports_renderer_gpu_and_packages():
    out = subprocess.run([sys.executable, "-m", "dpviz", "doctor"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert "graph renderer:" in out and "GPU:" in out and "numpy" in out
    assert "citeseer" in out


def test_engine_benchmark_runs_in_quick_mode():
    out = subprocess.run([sys.executable, "benchmarks/bench_engine.py", "--quick"], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    assert "| W1 MLP 2-16-16-1, 100 points | dpviz |" in out and "W2: dpviz vs HIPS autograd" in out


import pytest  # noqa: E402


@pytest.mark.parametrize("argv, says", [
    (["reproduce", "citeseer", "--seeds", "0"], "argument --seeds: must be at least 1, got 0"),
    (["reproduce", "citeseer", "--epochs", "-5"], "argument --epochs: must be at least 1, got -5"),
    (["reproduce", "citeseer", "--chunk", "two"], "argument --chunk: expected a whole number, got 'two'"),
    (["figure", "a.svg", "b.svg", "c.svg"], "unrecognized arguments: b.svg c.svg"),
    (["doctor", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_arguments_are_refused_with_one_line_and_exit_2(argv, says, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(says) and not any("Traceback" in line for line in err)


def test_figure_to_an_unwritable_place_says_so_in_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["figure", str(blocker / "sub" / "f.svg")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dpviz figure: cannot write")


def test_reproduce_without_any_data_says_so_in_one_line(tmp_path):
    # no mirror, no cache, and a download address that cannot answer (on any machine)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DPVIZ_DATA": str(tmp_path / "none"),
           "DPVIZ_CACHE": str(tmp_path / "cache"), "DPVIZ_PLANETOID_URL": (tmp_path / "no-server").as_uri()}
    done = subprocess.run([sys.executable, "-m", "dpviz", "reproduce", "citeseer", "--quick", "--only", "mlp*",
                           "--root", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dpviz reproduce:") and "Traceback" not in done.stderr
