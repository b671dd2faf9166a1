"""pytest over docs/: only the Markdown pages' doctests (``--doctest-glob=*.md``).

``--doctest-modules`` would import every ``.py`` file here; the Sphinx
configuration and the gallery examples (and the build's copies of them) are
not test modules: the examples run during the docs build instead.
"""

collect_ignore = ["conf.py"]
collect_ignore_glob = ["examples/*", "auto_examples/*", "generated/*", "_build/*"]
