"""Sphinx configuration of the sklearn_rnn documentation.

Build it with ``bash scripts/docs.sh``, which runs
``sphinx-build -W --keep-going -b html docs docs/_build/html``: every warning
is an error, and every gallery example runs during the build.
"""

import importlib
import inspect
import re
import sys
from pathlib import Path

import torch

import sklearn_rnn

project = "sklearn_rnn"
author = "the sklearn_rnn developers"
copyright = "the sklearn_rnn developers"
version = release = sklearn_rnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # Markdown pages through MyST: the user guide is Markdown so that it reads
    # well on GitHub and so that pytest runs its examples as doctests
    # (``--doctest-glob=*.md`` over docs/, see pyproject.toml).
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build"]

# --- API reference: autosummary pages, numpydoc sections ------------------------------

autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc "Parameters" sections document the types
# The class template (_templates/class.rst) documents the members, inherited
# ones included (get_params, score...) but not torch.nn.Module's; numpydoc's own
# member tables would duplicate them.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Types in "Parameters"/"Returns"/"Attributes" become cross-references (as in
# scikit-learn's docs): this also keeps fitted-attribute names in types, such as
# "ndarray of shape (n_features_in_,)", from reading as reST link targets.
numpydoc_xref_param_type = True
# numpydoc's default aliases point into the Python and NumPy docs, which need
# intersphinx (a download at build time): keep the words as plain references.
numpydoc_xref_aliases = {
    name: name
    for name in [
        "bool",
        "boolean",
        "array-like",
        "array_like",
        "iterable",
        "sequence",
        "generator",
        "scalar",
        "callable",
        "None",
        "True",
        "False",
        "list",
        "tuple",
        "str",
        "string",
        "dict",
        "float",
        "int",
        "contextmanager",
        "namedtuple",
    ]
}
numpydoc_xref_ignore = set(
    "of or and shape default optional instance the a an to in with for if else one each "
    "per same as objects object like sequence sequences type dtype".split()
)


# The API page lists every public name (``__all__``) of these modules, so that
# nothing public goes undocumented: it is written here, before Sphinx reads the
# sources, into api.rst (generated, ignored by git).
API_SECTIONS = [
    ("sklearn_rnn", "Estimators", "The estimators, and what they share."),
    (
        "sklearn_rnn.components",
        "Components",
        "The optional parts of a network and its training, as objects passed to an "
        "estimator's ``frontend``, ``augmentation``, ``bag``, ``embedding``, "
        "``optimizer`` and ``device`` (data-parallel training). User guide: "
        ":doc:`user_guide/components`.",
    ),
    (
        "sklearn_rnn.streaming",
        "Streaming",
        "Fitting and predicting on sequences stored on disk, a chunk in memory at a "
        "time. User guide: :doc:`user_guide/scaling`.",
    ),
    (
        "sklearn_rnn.preprocessing",
        "Preprocessing",
        "From raw data (text, long-format frames, series) to sequences. "
        "User guide: :doc:`user_guide/preprocessing`.",
    ),
    (
        "sklearn_rnn.metrics",
        "Metrics",
        "Scores of label sequences (transcriptions) and per-step tags.",
    ),
    (
        "sklearn_rnn.datasets",
        "Datasets",
        "Generated tasks and real data sets. User guide: :doc:`user_guide/datasets`.",
    ),
    (
        "sklearn_rnn.plotting",
        "Plotting",
        "Displays in scikit-learn's style; they need matplotlib "
        '(``pip install "sklearn-rnn[plot]"``).',
    ),
    (
        "sklearn_rnn.nn",
        "Torch modules",
        "The PyTorch modules behind the estimators, for use in plain PyTorch code.",
    ),
]


def _constant_doc(name):
    """The ``#:`` comment documenting a package constant, wherever it is defined."""
    try:
        from sphinx.pycode import ModuleAnalyzer
    except ImportError:  # outside a docs environment (tests/test_docs.py)
        return ""

    for module_name in sorted(sys.modules):
        if module_name.split(".")[0] != "sklearn_rnn":
            continue
        try:
            docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except Exception:  # modules without source
            continue
        if ("", name) in docs:
            return " ".join(line.strip() for line in docs[("", name)] if line.strip())
    return ""


def api_page():
    """The text of api.rst: one section per module, every name in its __all__."""
    lines = [
        ".. Generated by docs/conf.py from the modules' __all__; do not edit.",
        "",
        "API reference",
        "=============",
        "",
        "Every public class and function, with its parameters, from the docstrings.",
        "",
    ]
    for module_name, title, intro in API_SECTIONS:
        module = importlib.import_module(module_name)
        names = [name for name in module.__all__ if not name.startswith("__")]
        objects = {name: getattr(module, name) for name in names}
        classes = [name for name in names if inspect.isclass(objects[name])]
        functions = [name for name in names if inspect.isfunction(objects[name])]
        constants = [name for name in names if name not in classes + functions]
        lines += [f"``{module_name}``: {title}", "-" * (len(module_name) + len(title) + 6), ""]
        lines += [intro, "", f".. currentmodule:: {module_name}", ""]
        for template, group in [("class.rst", classes), ("function.rst", functions)]:
            if group:
                lines += [
                    ".. autosummary::",
                    "   :toctree: generated/",
                    f"   :template: {template}",
                ]
                lines += ["", *(f"   {name}" for name in group), ""]
        for name in constants:
            lines += [f".. py:data:: {name}", f"   :value: {objects[name]!r}", ""]
            lines += [f"   {_constant_doc(name)}", ""]
    return "\n".join(lines)


def _write_api_page():
    path = Path(__file__).with_name("api.rst")
    text = api_page()
    if not path.exists() or path.read_text() != text:  # unchanged: no rebuild
        path.write_text(text)


# Sphinx runs this file with ``tags`` defined; tests/test_docs.py runs it
# without, to check api_page(), and then nothing here may change its process.
if "tags" in globals():
    _write_api_page()
    # The gallery examples run inside this process. Their networks are small, so
    # one torch thread is about as fast as two on a 2-core machine, and many
    # times faster when other processes compete for the cores (waiting OpenMP
    # threads spin): on a busy 2-core machine, 8 CTC epochs took 2-3 s with one
    # thread against 14-16 s with two.
    torch.set_num_threads(1)


def _plain_refs(app, what, name, obj, options, lines):
    """Turn ``:ref:`` roles into plain text in docstrings inherited from other
    packages (scikit-learn's ``set_output``, ``set_fit_request``...): their
    labels live in those packages' docs, which this build does not have, and
    an unknown label is a warning, hence an error here."""
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn_rnn"):
        return
    for i, line in enumerate(lines):
        line = re.sub(r":(?:ref|term):`([^`<]*?)\s*<[^`>]*>`", r"\1", line)
        lines[i] = re.sub(r":(?:ref|term):`([^`]*)`", r"\1", line)


_CODE = re.compile(r"(``.*?``|`[^`]*`)")
_FITTED_NAME = re.compile(r"(?<![\w*`|])([A-Za-z]\w*_)(?![\w*`])")


def _literal_fitted_names(app, what, name, obj, options, lines):
    """Write bare fitted-attribute names (``n_features_in_``, in types such as
    "ndarray of shape (n_features_in_,)") as literals: in reST a word ending in
    "_" is a link to a target of that name, and a missing one is an error.
    Runs after numpydoc has rendered the sections."""
    if not (getattr(obj, "__module__", None) or "").startswith("sklearn_rnn"):
        return
    literal_indent = None  # inside a "::" literal block indented more than this
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if not line.strip() or indent > literal_indent:
                continue
            literal_indent = None
        if line.rstrip().endswith("::"):
            literal_indent = indent
        if line.lstrip().startswith((">>>", "...")):
            continue
        parts = _CODE.split(line)
        parts[::2] = [_FITTED_NAME.sub(r"``\1``", part) for part in parts[::2]]
        lines[i] = "".join(parts)


def setup(app):
    app.connect("autodoc-process-docstring", _plain_refs, priority=400)
    app.connect("autodoc-process-docstring", _literal_fitted_names, priority=600)


# --- Gallery ------------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    # Every example runs during the build; one that fails fails the build.
    "filename_pattern": r"/plot_",
    "only_warn_on_example_error": False,
    "within_subsection_order": "FileNameSortKey",
    # "Examples using X" on each API page; code in the examples links to the API pages.
    "doc_module": ("sklearn_rnn",),
    "backreferences_dir": "generated/backreferences",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "write_computation_times": True,
    "min_reported_time": 0,
}

# --- HTML ----------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_rnn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = []
html_show_sourcelink = False
