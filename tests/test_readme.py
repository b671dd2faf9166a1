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
