"""The import graph of `riskscreen/`, read with `ast`: no cycle, and each layer imports downwards.

Imports inside functions count: a cycle hidden in a function body is still a cycle. Such imports
are allowed only where they keep start-up fast, and say so with a `# lazy:` comment on the
import or the comment lines just above its group.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "riskscreen"

ARCHITECTURE = PACKAGE.parent / "docs" / "ARCHITECTURE.md"


def _never_imports() -> dict[str, tuple[str, ...]]:
    """The "must never import" column of docs/ARCHITECTURE.md's package table: the doc is the
    rule, and this test holds the code to it."""
    section = ARCHITECTURE.read_text(encoding="utf-8").split(
        "## Packages and the one-way flow", 1)[1].split("\n## ", 1)[0]
    rules = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`riskscreen\.\w+`", cells[0]) and \
                cells[2].startswith("`"):
            rules[cells[0].strip("`")] = tuple(re.findall(r"`(riskscreen[\w.]*)`", cells[2]))
    return rules


#: Exceptions to those rules (said in the doc's table too): the one text normaliser serves
#: the reader's header matching.
ALLOWED = {("riskscreen.io.columns", "riskscreen.match.normalise")}
#: The pipeline is imported only by the public API (`riskscreen/__init__.py`) and the front
#: ends: the command line, batch and dask runs, the web app and `explain` (screens one pair).
FRONT_ENDS = ("riskscreen.cli", "riskscreen.batch", "riskscreen.dask", "riskscreen.web",
              "riskscreen.lookup")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _lazy_table(tree: ast.Module) -> dict[str, str]:
    """A package's `_LAZY = {"name": ("module", "attr")}` map: name -> module."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_LAZY" for t in node.targets
        ):
            table = ast.literal_eval(node.value)
            return {name: module for name, (module, _attr) in table.items()}
    return {}


def _imports(module: str, path: Path, tree: ast.Module, modules: dict[str, Path],
             lazy: dict[str, dict[str, str]]) -> list[tuple[ast.stmt, str]]:
    """(import node, imported riskscreen module) for every import in the file, at any depth."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = []
            for alias in node.names:
                name = f"{base}.{alias.name}"
                if name in modules:
                    targets.append(name)
                elif alias.name in lazy.get(base, {}):
                    targets.append(lazy[base][alias.name])  # what the lazy attribute imports
                else:
                    targets.append(base)
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target.startswith("riskscreen") and target != module:
                found.append((node, target))
    return found


@functools.cache
def _graph() -> tuple[dict[str, set[str]], list[str]]:
    modules = _modules()
    trees = {m: ast.parse(p.read_text(encoding="utf-8")) for m, p in modules.items()}
    lazy = {m: _lazy_table(t) for m, t in trees.items()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    unmarked = []
    for module, path in modules.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        inner = {id(n) for f in ast.walk(trees[module])
                 if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                 for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
        for node, target in _imports(module, path, trees[module], modules, lazy):
            graph[module].add(target)
            if id(node) in inner and not _marked_lazy(lines, node.lineno):
                unmarked.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return graph, unmarked


def _marked_lazy(lines: list[str], lineno: int) -> bool:
    """`# lazy:` on the import's line or on the comment/import lines right above it."""
    i = lineno - 1
    if "# lazy:" in lines[i]:
        return True
    i -= 1
    while i >= 0 and lines[i].strip().startswith(("#", "from ", "import ")):
        if "# lazy:" in lines[i]:
            return True
        i -= 1
    return False


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_is_read():
    graph, _ = _graph()
    # A known edge at module level, one inside a function, one through a lazy package attribute.
    assert "riskscreen.match.countries" in graph["riskscreen.resolve"]
    assert "riskscreen.pipeline" in graph["riskscreen.cli"]
    assert "riskscreen.model.store" in graph["riskscreen.lookup"]


def test_no_import_cycle_counting_imports_inside_functions():
    graph, _ = _graph()
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_inside_functions_say_why():
    _, unmarked = _graph()
    assert unmarked == [], (
        "an import inside a function must keep start-up fast and say so: add `# lazy: <why>` "
        "on it or just above it, or move it to the top of the module"
    )


def test_the_documented_rules_are_read():
    rules = _never_imports()
    assert set(rules) >= {"riskscreen.io", "riskscreen.match", "riskscreen.model",
                          "riskscreen.reference", "riskscreen.scoring", "riskscreen.resolve"}
    assert "riskscreen.pipeline" in rules["riskscreen.match"]


def test_each_layer_imports_only_downwards():
    graph, _ = _graph()
    wrong = []
    for module, targets in graph.items():
        for layer, never in _never_imports().items():
            if module == layer or module.startswith(layer + "."):
                wrong += [f"{module} -> {t}" for t in targets
                          if any(t == n or t.startswith(n + ".") for n in never)
                          and (module, t) not in ALLOWED]
        front_end = module == "riskscreen" or any(
            module == f or module.startswith(f + ".") for f in FRONT_ENDS)
        wrong += [f"{module} -> {t}" for t in targets
                  if t in ("riskscreen.pipeline", *FRONT_ENDS) and not front_end]
    assert wrong == []
