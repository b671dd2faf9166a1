"""The documentation's sources: complete docstrings, an API page over every public
name, gallery examples that print and draw.

The docs build itself (``bash scripts/docs.sh``: Sphinx with warnings as
errors, every example run) is a separate CI step; these checks need neither
Sphinx nor the examples' dependencies.
"""

import ast
import importlib
import inspect
import re
import runpy
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PUBLIC_MODULES = [
    "sklearn_rnn",
    "sklearn_rnn.components",
    "sklearn_rnn.preprocessing",
    "sklearn_rnn.metrics",
    "sklearn_rnn.datasets",
    "sklearn_rnn.nn",
    "sklearn_rnn.plotting",
    "sklearn_rnn.streaming",
]
EXAMPLES = sorted((DOCS / "examples").glob("plot_*.py"))

# Parameters that a public docstring does not document yet, as
# {"qualified name": {"parameter", ...}}. Document them and remove the entry:
# the test fails on a listed parameter that has become documented, so this list
# only shrinks.
KNOWN_GAPS = {
    "sklearn_rnn.RNNClassifier.predict_log_proba": {"X"},
    "sklearn_rnn.Sequences.take": {"indices"},
    "sklearn_rnn.nn.RNNBackbone.forward": {"x", "lengths"},
    "sklearn_rnn.nn.RNNFrameModel.forward": {"x", "lengths"},
    "sklearn_rnn.nn.pool_sequences": {
        "outputs",
        "lengths",
        "pooling",
        "bidirectional",
        "attention",
    },
    "sklearn_rnn.nn.subsample_frames": {"x", "lengths", "factor"},
}

_ENTRY = re.compile(r"^\*{0,2}(\w+)((?:, \*{0,2}\w+)*)(?:\s*:.*)?$")


def _documented(doc, section="Parameters"):
    """Names in a numpydoc section ("x : int" or "a, b : float" lines)."""
    lines = doc.splitlines()
    names = []
    for i, line in enumerate(lines[:-1]):
        if line.strip() != section or set(lines[i + 1].strip()) != {"-"}:
            continue
        for j in range(i + 2, len(lines)):
            entry = lines[j]
            if j + 1 < len(lines) and entry.strip() and set(lines[j + 1].strip()) == {"-"}:
                break  # the next section
            if entry and not entry.startswith(" ") and (match := _ENTRY.match(entry)):
                names.append(match.group(1))
                names += [name.strip(" *") for name in match.group(2).split(",") if name.strip()]
    return names


def _public_callables():
    """(qualified name, object whose docstring documents it, signature owner)."""
    seen = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield f"{module_name}.{name}", obj, obj
            elif inspect.isclass(obj) and obj not in seen:
                seen.add(obj)
                own_init = (getattr(obj.__init__, "__module__", None) or "").startswith(
                    "sklearn_rnn"
                )
                # (a constructor inherited from torch or Python is documented there)
                yield f"{module_name}.{name}", obj, obj.__init__ if own_init else object.__init__
                for method_name, method in inspect.getmembers(obj, inspect.isfunction):
                    if method_name.startswith("_"):
                        continue
                    if not (getattr(method, "__module__", None) or "").startswith("sklearn_rnn"):
                        continue  # inherited from sklearn or torch: documented there
                    yield f"{module_name}.{name}.{method_name}", method, method


def _undocumented(doc_owner, signature_owner):
    try:
        signature = inspect.signature(signature_owner)
    except (TypeError, ValueError):
        return set(), set()
    if signature_owner is object.__init__:
        return set(), set()
    parameters = [
        p.name
        for p in signature.parameters.values()
        if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    documented = _documented(inspect.getdoc(doc_owner) or "")
    takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
    missing = set(parameters) - set(documented)
    unknown = set() if takes_kwargs else set(documented) - set(parameters)
    return missing, unknown


PUBLIC = list(_public_callables())


@pytest.mark.parametrize(
    "qualified_name, doc_owner, signature_owner", PUBLIC, ids=[entry[0] for entry in PUBLIC]
)
def test_public_docstrings_document_every_parameter(qualified_name, doc_owner, signature_owner):
    """The API reference shows each docstring's numpydoc sections: every
    parameter of every public class, function and method must be there."""
    assert inspect.getdoc(doc_owner), f"{qualified_name} has no docstring"
    missing, unknown = _undocumented(doc_owner, signature_owner)
    assert not unknown, f"{qualified_name} documents parameters it does not take: {unknown}"
    known = KNOWN_GAPS.get(qualified_name, set())
    assert missing <= known, (
        f"{qualified_name} does not document {sorted(missing - known)} in its 'Parameters' section."
    )
    assert not known - missing, (
        f"{qualified_name} now documents {sorted(known - missing)}: remove them "
        "from KNOWN_GAPS in tests/test_docs.py."
    )


def test_known_gaps_are_public_names():
    names = {entry[0] for entry in PUBLIC}
    assert set(KNOWN_GAPS) <= names, set(KNOWN_GAPS) - names


def test_api_page_lists_every_public_name():
    """docs/conf.py writes the API page from the modules' ``__all__``."""
    conf = runpy.run_path(str(DOCS / "conf.py"))  # outside Sphinx: writes nothing
    page = conf["api_page"]()
    assert sorted(module for module, _, _ in conf["API_SECTIONS"]) == sorted(PUBLIC_MODULES)
    entries = re.findall(r"^   (\w+)$|^\.\. py:data:: (\w+)$", page, flags=re.MULTILINE)
    listed = [a or b for a, b in entries]
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if not name.startswith("__"):
                assert name in listed, f"{module_name}.{name} is not on the API page"
    assert len(listed) == len(set(listed)), "a name is listed twice"


def test_api_page_constants_show_their_values():
    import sklearn_rnn

    page = runpy.run_path(str(DOCS / "conf.py"))["api_page"]()
    for name in ["PAD_TOKEN_ID", "OOV_TOKEN_ID"]:
        assert f".. py:data:: {name}\n   :value: {getattr(sklearn_rnn, name)!r}" in page


def test_gallery_has_examples():
    assert len(EXAMPLES) >= 5
    assert (DOCS / "examples" / "README.txt").is_file()


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_gallery_example_prints_and_draws(path):
    """Each example opens with a titled docstring, prints its scores and
    draws at least one figure (sphinx-gallery shows both)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstring = ast.get_docstring(tree)
    assert docstring, f"{path.name} has no docstring"
    title = docstring.splitlines()
    assert set(title[0]) == {"="} and set(title[2]) == {"="} and title[1].strip()
    assert len(title[0]) >= len(title[1]), f"{path.name}: the title's over/underline is too short"
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert "print" in calls, f"{path.name} prints nothing"
    assert "show" in calls, f"{path.name} draws no figure (plt.show())"


def test_pytest_keeps_examples_out_of_the_test_run():
    """pytest runs over docs/ for the Markdown doctests; --doctest-modules must
    not import (and so run) the examples or the Sphinx configuration."""
    import subprocess
    import sys

    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "docs"],
        cwd=DOCS.parent,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert ".md" in collected
    assert "conf.py" not in collected and "plot_" not in collected
