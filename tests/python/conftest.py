"""Fixtures shared by the Python tests."""

import pytest
from smpsim import runner


@pytest.fixture
def no_child(monkeypatch):
    """Fails the test if the runner tries to start a simulation process."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a child process was started for an invalid configuration")

    monkeypatch.setattr(runner, "_child_command", forbidden)
