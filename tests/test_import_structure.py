"""The import structure: no cycles between files, packages depending one way only, no Flask or
LINE SDK below the edges, and the LINE stand-in (and PyYAML) out of the web and clock processes.

Read from the source with ``ast``, so the check sees imports inside functions too.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "delivery", "handlers", "models", "scheduler")
# Who may import whom. bot/ is the Flask edge and the CLI (it runs the clock's commands), so it
# may use everything; the clock (scheduler/) uses the delivery layer; the domain uses the model.
ALLOWED = {
    "bot": {"delivery", "handlers", "models", "scheduler"},
    "scheduler": {"delivery", "handlers", "models"},
    "delivery": {"handlers", "models"},
    "handlers": {"models"},
    "models": set(),
}
# Imports made inside a function on purpose, each for a reason other than dodging a cycle; the
# cycle check leaves these edges out.
LAZY = {
    ("bot.commands.demo_commands", "bot.demo.server"):
        "the demo loads the LINE stand-in and PyYAML, which the web process must not",
}
FORBIDDEN_THIRD_PARTY = {
    "models": {"flask", "linebot"},
    "handlers": {"flask", "linebot"},
    "delivery": {"flask"},
    "scheduler": {"flask"},
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Imports under ``if TYPE_CHECKING:``: for annotations, never run."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    return skipped


def imported_names(name: str, path: Path, known: set[str] | None = None) -> set[str]:
    """Every module an import statement in the file names, made absolute. ``from . import x``
    names the submodule x when ``known`` has it (not the package it sits in)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            specific = {f"{module}.{alias.name}" for alias in node.names}
            submodules = specific & (known or set())
            names.update(submodules if submodules == specific else specific | {module})
    return names


def first_party_graph() -> dict[str, set[str]]:
    mods = modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        targets = set()
        for target in imported_names(name, path, set(mods)):
            while target and target not in mods:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one file (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_between_files():
    graph = first_party_graph()
    for importer, imported in LAZY:
        graph[importer].discard(imported)
    assert cycles(graph) == []


def test_packages_depend_one_way():
    wrong = sorted(f"{name} -> {target}" for name, targets in first_party_graph().items()
                   for target in targets
                   if (a := name.split(".")[0]) != (b := target.split(".")[0])
                   and b not in ALLOWED[a])
    assert wrong == []


def test_no_flask_or_line_sdk_below_the_edges():
    wrong = []
    for name, path in modules().items():
        banned = FORBIDDEN_THIRD_PARTY.get(name.split(".")[0], set())
        for target in imported_names(name, path):
            if target.split(".")[0] in banned:
                wrong.append(f"{name} imports {target}")
    assert sorted(set(wrong)) == []


def test_the_web_and_clock_processes_load_no_line_stand_in():
    script = (
        "import sys\n"
        "from bot import create_app\n"
        "from scheduler.clock import build_scheduler\n"
        "app = create_app({'DATABASE_URL': 'sqlite://', 'LINE_CHANNEL_SECRET': 's',\n"
        "                  'LINE_CHANNEL_ACCESS_TOKEN': 't'})\n"
        "from bot.services import services\n"
        "build_scheduler(services(app))\n"
        "loaded = [m for m in sys.modules if m.startswith('bot.line_fake') or m == 'yaml']\n"
        "print(','.join(loaded))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    assert result.stdout.strip() == ""
