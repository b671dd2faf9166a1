"""The package's import structure, read from its source with ``ast``: no
import cycle among its modules, and the torch layer kept apart.

Every import counts, those inside functions included: an import deferred to
a function to break a cycle still ties the two modules together.
"""

import ast
import pathlib

import pytest

import sklearn_rnn

PACKAGE = "sklearn_rnn"
ROOT = pathlib.Path(sklearn_rnn.__file__).parent


# --- reading the imports ---------------------------------------------------------------


def package_modules(root, package):
    """``{module name: path}`` of every module of the package at ``root``."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join((package, *parts))] = path
    return modules


def imported_names(name, path, modules):
    """``(module name, line)`` of each import in the module ``name``.

    Relative imports are resolved. ``from x import y`` imports the module
    ``x.y`` when there is one (``from . import utils``), else ``x`` (``from
    .x import function``, ``from . import __version__``).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield (submodule if submodule in modules else target), node.lineno


def import_graph(root, package):
    """The package's modules, and their imports.

    Returns
    -------
    internal : dict
        ``{module: {imported module of the package: line}}``.
    external : dict
        ``{module: {top-level name of another distribution: line}}``.
    paths : dict
        ``{module: path}``.
    """
    modules = package_modules(root, package)
    internal = {name: {} for name in modules}
    external = {name: {} for name in modules}
    for name, path in modules.items():
        for imported, line in imported_names(name, path, modules):
            if imported == package or imported.startswith(package + "."):
                # The module itself, or the package that holds the name.
                while imported not in modules:
                    imported = imported.rpartition(".")[0]
                internal[name].setdefault(imported, line)
            else:
                external[name].setdefault(imported.partition(".")[0], line)
    return internal, external, modules


def find_cycles(graph):
    """Each group of modules that import each other, directly or not (a
    strongly connected component, by Tarjan's algorithm), sorted, with the
    shortest cycle ``[a, b, ..., a]`` through its first module."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [(sorted(group), _shortest_cycle(graph, group)) for group in groups]


def _shortest_cycle(graph, group):
    """The shortest cycle through the group's first module (breadth first)."""
    start = min(group)
    previous, frontier = {start: None}, [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return path[::-1] + [start]
                if target in group and target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover (a group has one)


def describe_cycle(cycle, graph, paths, root):
    """``a -> b (a.py:12) -> a (b.py:3)``: each import with where it is."""
    steps = [cycle[0]]
    for source, target in zip(cycle, cycle[1:]):
        where = paths[source].relative_to(root.parent).as_posix()
        steps.append(f"{target} ({where}:{graph[source][target]})")
    return " -> ".join(steps)


def reachable(graph, start):
    """The modules ``start`` imports, directly or not, with ``start``."""
    seen, todo = {start}, [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


# --- the package's rules ---------------------------------------------------------------


def test_the_package_has_no_import_cycle():
    internal, _, paths = import_graph(ROOT, PACKAGE)
    problems = [
        f"{len(group)} modules import each other ({', '.join(group)}), as in\n  "
        + describe_cycle(cycle, internal, paths, ROOT)
        for group, cycle in find_cycles(internal)
    ]
    assert not problems, "import cycles among the package's modules:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "layer, forbidden",
    [
        # The torch layer: usable by a PyTorch user without the estimators' stack.
        ("sklearn_rnn.nn", {"sklearn", "skorch"}),
        # Configuration objects: sklearn's get_params/set_params, not its engine.
        ("sklearn_rnn.components", {"skorch"}),
    ],
)
def test_a_layer_imports_nothing_above_it(layer, forbidden):
    internal, external, paths = import_graph(ROOT, PACKAGE)
    modules = [name for name in internal if name == layer or name.startswith(layer + ".")]
    assert modules, f"no module {layer}"

    def where(module, line):
        return f"{paths[module].relative_to(ROOT.parent).as_posix()}:{line}"

    offences = set()
    for module in modules:
        for name in forbidden & set(external[module]):
            offences.add(f"{where(module, external[module][name])} imports {name}")
        # Through the package's modules outside the layer, however indirectly.
        for outside, line in internal[module].items():
            if outside in modules:
                continue
            for reached in reachable(internal, outside):
                for name in forbidden & set(external[reached]):
                    offences.add(
                        f"{where(reached, external[reached][name])} imports {name}, "
                        f"reached by {where(module, line)} (import of {outside})"
                    )
    assert not offences, f"{layer} must import none of {sorted(forbidden)}:\n" + "\n".join(
        sorted(offences)
    )


# --- the reading itself, on a package made for it ---------------------------------------


def _write_package(root, files):
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_imports_are_resolved_in_every_form(tmp_path):
    root = _write_package(
        tmp_path / "pkg",
        {
            "__init__.py": "from .a import A\nfrom ._version import __version__\n",
            "_version.py": "__version__ = '1'\n",
            "a.py": "import numpy as np\n\ndef f():\n    from . import b\n",
            "b.py": "from .sub.d import D\nfrom pkg import __version__\n",
            "sub/__init__.py": "",
            "sub/d.py": "from .. import a\nfrom ..sub import e\nimport pkg.b\nfrom sklearn.base import X\n",
            "sub/e.py": "from . import D\n",
        },
    )
    internal, external, _ = import_graph(root, "pkg")
    assert internal == {
        "pkg": {"pkg.a": 1, "pkg._version": 2},
        "pkg._version": {},
        "pkg.a": {"pkg.b": 4},  # inside a function
        "pkg.b": {"pkg.sub.d": 1, "pkg": 2},  # a name of the package: the package
        "pkg.sub": {},
        "pkg.sub.d": {"pkg.a": 1, "pkg.sub.e": 2, "pkg.b": 3},
        "pkg.sub.e": {"pkg.sub": 1},
    }
    assert external["pkg.a"] == {"numpy": 1} and external["pkg.sub.d"] == {"sklearn": 4}


def test_cycles_are_found_and_named(tmp_path):
    root = _write_package(
        tmp_path / "pkg",
        {
            "__init__.py": "from .a import A\n",
            "a.py": "from .b import B\n",
            "b.py": "def f():\n    from . import c\n",
            "c.py": "from pkg.a import A\n",
            "d.py": "from . import d\n",
            "e.py": "from .a import A\n",
        },
    )
    internal, _, paths = import_graph(root, "pkg")
    cycles = sorted(find_cycles(internal))
    assert cycles == [
        (["pkg.a", "pkg.b", "pkg.c"], ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]),
        (["pkg.d"], ["pkg.d", "pkg.d"]),
    ]
    assert [describe_cycle(cycle, internal, paths, root) for _, cycle in cycles] == [
        "pkg.a -> pkg.b (pkg/a.py:1) -> pkg.c (pkg/b.py:2) -> pkg.a (pkg/c.py:1)",
        "pkg.d -> pkg.d (pkg/d.py:1)",
    ]
    # The shortest cycle, where there are several.
    graph = {"a": {"b": 1, "c": 1}, "b": {"c": 1}, "c": {"a": 1}}
    assert find_cycles(graph) == [(["a", "b", "c"], ["a", "c", "a"])]
    assert find_cycles({"x": {"y": 1}, "y": {}}) == []
