"""The README's tutorial runs: its python code blocks, in order, in one namespace, in a temporary
working directory (the blocks write under out/)."""

import os
import re

import pytest

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def tutorial_blocks():
    text = open(README, encoding="utf-8").read()
    start = text.index("\n## Tutorial\n")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


def test_tutorial_blocks_run_in_order(tmp_path, monkeypatch, capsys):
    pytest.importorskip("dask.distributed")
    blocks = tutorial_blocks()
    assert len(blocks) == 5
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__tutorial__"}
    for i, block in enumerate(blocks, 1):
        exec(compile(block, f"README tutorial block {i}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "0 -> 2 affinity migration_thread" in out
    assert (tmp_path / "out" / "tutorial" / "migrations.csv").exists()
    assert len(os.listdir(tmp_path / "out" / "tutorial-cache")) == 3
