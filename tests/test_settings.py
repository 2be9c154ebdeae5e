"""Which setting a notebook runs: quick mode, full mode, and the CPU default of heavy notebooks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from dpviz import settings
from dpviz.settings import ModeSettings, mode_note, quick_mode


@pytest.fixture
def plain_machine(monkeypatch):
    """No DPVIZ_QUICK and no CI: what a learner's laptop or Binder has."""
    monkeypatch.delenv("DPVIZ_QUICK", raising=False)
    monkeypatch.delenv("CI", raising=False)
    return monkeypatch


@dataclass(frozen=True)
class Heavy(ModeSettings):
    epochs: int = 200
    QUICK: ClassVar[dict] = {"epochs": 100}
    HEAVY: ClassVar[bool] = True


def test_a_heavy_notebook_defaults_to_quick_on_a_cpu_and_says_so(plain_machine) -> None:
    plain_machine.setattr(settings, "gpu_visible", lambda: False)
    assert quick_mode() is False and quick_mode(heavy=True) is True
    assert Heavy.for_mode().epochs == 100
    note = mode_note(heavy=True)
    assert "quick mode" in note and "DPVIZ_QUICK=0" in note and "several minutes" in note
    assert mode_note() == "Running in full mode on CPU (no GPU visible)."


def test_a_gpu_or_an_explicit_setting_runs_a_heavy_notebook_in_full(plain_machine) -> None:
    plain_machine.setattr(settings, "gpu_visible", lambda: True)
    assert quick_mode(heavy=True) is False and Heavy.for_mode().epochs == 200
    assert mode_note(heavy=True) == "Running in full mode on GPU (CUDA)."
    plain_machine.setattr(settings, "gpu_visible", lambda: False)
    plain_machine.setenv("DPVIZ_QUICK", "0")
    assert quick_mode(heavy=True) is False and mode_note(heavy=True).startswith("Running in full mode")
    plain_machine.setenv("DPVIZ_QUICK", "1")
    assert "several minutes" not in mode_note(heavy=True)          # quick because asked, not because heavy


def test_ci_runs_quick_whatever_the_machine(plain_machine) -> None:
    plain_machine.setattr(settings, "gpu_visible", lambda: True)
    plain_machine.setenv("CI", "1")
    assert quick_mode() and quick_mode(heavy=True)
