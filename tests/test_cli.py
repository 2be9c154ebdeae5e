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
