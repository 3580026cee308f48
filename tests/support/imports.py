"""The import graph of a package, read from the source (no module is imported), and the cycles in it.

Every import counts wherever it is written: at module level, inside a function, under `if TYPE_CHECKING:`,
and `importlib.import_module("...")` with a literal name. `from a import b` points at the module `a.b` when
there is one (else at `a`); relative imports are resolved against the importing module's package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported, as named (resolved to a submodule where one exists)
    path: Path
    line: int

    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class ImportGraph:
    root: Path
    modules: dict[str, Path] = field(default_factory=dict)  # module name -> file
    imports: list[Import] = field(default_factory=list)  # every import statement, internal or not

    def internal(self) -> list[Import]:
        """Imports of a module of this package by another one (a module importing itself is not an edge)."""
        return [i for i in self.imports if i.target in self.modules and i.target != i.source]

    def edges(self) -> dict[str, dict[str, Import]]:
        """source -> target -> the first import statement that makes the edge."""
        out: dict[str, dict[str, Import]] = {name: {} for name in self.modules}
        for item in self.internal():
            out[item.source].setdefault(item.target, item)
        return out

    def cycles(self) -> list[list[Import]]:
        """Cycles as the imports along them: in each group of modules that import each other, the shortest
        cycle through each edge inside the group that no cycle already listed takes."""
        edges = self.edges()
        found: list[list[Import]] = []
        for component in _strongly_connected(edges):
            members = set(component)
            covered: set[tuple[str, str]] = set()
            for source in component:
                for target, item in sorted(edges[source].items()):
                    if target in members and (source, target) not in covered:
                        cycle = [item, *_shortest_path(edges, members, target, source)]
                        covered.update((i.source, i.target) for i in cycle)
                        found.append(cycle)
        return found

    def importers_of(self, prefix: str, *, allowed: frozenset[str] = frozenset()) -> list[Import]:
        """Imports of `prefix` or any module under it, by modules other than the allowed ones (once per line)."""
        found = {
            (i.source, i.target, i.line): i
            for i in self.imports
            if (i.target == prefix or i.target.startswith(prefix + ".")) and i.source not in allowed
        }
        return list(found.values())


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def build_graph(root: Path) -> ImportGraph:
    """The import graph of the package in directory `root` (its name is the directory's name)."""
    graph = ImportGraph(root)
    for path in sorted(root.rglob("*.py")):
        graph.modules[module_name(root, path)] = path
    for name, path in graph.modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target, line in _imports(tree, name, is_package, graph.modules):
            graph.imports.append(Import(name, target, path.relative_to(root.parent), line))
    return graph


def _imports(tree: ast.AST, module: str, is_package: bool, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(node, package)
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                yield (candidate if candidate in modules else base), node.lineno
        elif isinstance(node, ast.Call) and _is_import_module(node):
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                yield argument.value, node.lineno


def _resolve_from(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    base = ".".join(parts)
    if node.module:
        base = f"{base}.{node.module}" if base else node.module
    return base


def _is_import_module(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("import_module", "__import__") and bool(node.args)


def _strongly_connected(edges: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph of a large package would overflow the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _shortest_path(edges: dict[str, dict[str, Import]], members: set[str], start: str, goal: str) -> list[Import]:
    """The imports along the shortest path from start to goal inside one strongly connected component."""
    came_from: dict[str, Import] = {}
    frontier = [start]
    seen = {start}
    while frontier and goal not in seen:
        following = []
        for node in frontier:
            for target, item in sorted(edges[node].items()):
                if target in members and target not in seen:
                    seen.add(target)
                    came_from[target] = item
                    following.append(target)
        frontier = following
    path: list[Import] = []
    node = goal
    while node != start:
        path.insert(0, came_from[node])
        node = came_from[node].source
    return path


def describe(cycle: list[Import]) -> str:
    """`a -> b -> a` and where each import is written."""
    names = " -> ".join([cycle[0].source, *(i.target for i in cycle)])
    return names + "\n" + "\n".join(f"    {i.source} imports {i.target} at {i.where()}" for i in cycle)


def long_files(roots: list[Path], limit: int) -> list[tuple[Path, int]]:
    """The .py files under these directories with more than `limit` lines."""
    out = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            count = len(path.read_text(encoding="utf-8").splitlines())
            if count > limit:
                out.append((path, count))
    return out
