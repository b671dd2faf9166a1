"""The README's quick-start code runs as written, and what it shows holds."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_quick_start_blocks():
    assert len(BLOCKS) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index):
    namespace = {}
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), namespace)
    if "search" in namespace:  # classification and regression
        assert namespace["search"].best_score_ >= 0.9
        assert namespace["reg"].score(namespace["X"], namespace["y"]) >= 0.9
    if "text_clf" in namespace:
        assert namespace["text_clf"].score(namespace["docs"], namespace["labels"]) >= 0.9
    if "ocr" in namespace:
        assert namespace["ocr"].score(namespace["X_test"], namespace["y_test"]) >= 0.9


def test_readme_starts_with_the_demo_and_test_commands():
    text = README.read_text()
    first_block = re.search(r"```(\w*)\n(.*?)```", text, flags=re.DOTALL)
    assert first_block.group(1) == "bash"
    commands = [line.split("#")[0].strip() for line in first_block.group(2).splitlines()]
    assert commands == ["bash scripts/demo.sh", "bash scripts/test.sh"]


def test_readme_names_the_demos_real_data_sets():
    from sklearn_rnn.demo import REAL_SETS

    text = README.read_text()
    for name, _ in REAL_SETS:
        assert name in text, f"the README's description of the demo does not name {name}"


@pytest.mark.slow
def test_demo_headline_runs_on_real_data(capsys):
    """The demo's headline table: the defaults next to 1-NN and a random
    forest, fitted on a real set in the same run (BasicMotions, as --quick)."""
    pytest.importorskip("sktime")
    import torch

    from sklearn_rnn.demo import _real_data

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the demo runs (see its main)
    try:
        _real_data(["BasicMotions"])
    finally:
        torch.set_num_threads(threads)
    lines = capsys.readouterr().out.splitlines()
    header = next(line.split() for line in lines if line.split()[:1] == ["data"])
    row = next(line.split() for line in lines if line.split()[:1] == ["BasicMotions"])
    scores = dict(zip(header[1:4], map(float, row[1:4])))
    assert set(scores) == {"1-NN", "forest", "RNN"}
    assert scores["RNN"] >= max(scores["1-NN"], scores["forest"]) - 0.05, scores
