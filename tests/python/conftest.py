"""Fixtures shared by the Python tests."""

import os

import pytest
from smpsim import runner


@pytest.fixture(autouse=True, scope="session")
def sweep_cache_in_a_temporary_directory(tmp_path_factory):
    """Sweeps that use the default cache (and the scripts they start) write under the test
    session's temporary directory, never into the user's home."""
    os.environ["SMPSIM_CACHE"] = str(tmp_path_factory.mktemp("smpsim-cache"))
    yield


@pytest.fixture
def no_child(monkeypatch):
    """Fails the test if the runner tries to start a simulation process."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a child process was started for an invalid configuration")

    monkeypatch.setattr(runner, "_child_command", forbidden)
