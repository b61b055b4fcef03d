"""The code's layout by stage: no import cycle, and each stage imports only the stages below it.

Imports are read from the source (module level and inside functions; ``if TYPE_CHECKING:`` blocks are type-only
and left out), so a lazy import that closes a cycle is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import voice_guide

PACKAGE = Path(voice_guide.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports() -> dict[str, set[str]]:
    """Module -> the voice_guide modules it imports (at run time)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = _type_checking_lines(tree)
        found: set[str] = set()
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in type_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            found.update(t for t in targets if t in modules and t != name)
        graph[name] = found
    return graph


def test_no_import_cycle() -> None:
    graph = imports()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


FORBIDDEN = {
    "voice_guide.engines": (
        "voice_guide.speech",
        "voice_guide.frontends",
        "voice_guide.dialog",
        "voice_guide.understand",
    ),
    "voice_guide.understand": (
        "voice_guide.dialog",
        "voice_guide.frontends",
        "voice_guide.speech",
        "voice_guide.session",
    ),
    "voice_guide.dialog": ("voice_guide.frontends", "voice_guide.speech", "voice_guide.session", "voice_guide.kiosk"),
    "voice_guide.triage": ("voice_guide.dialog", "voice_guide.understand", "voice_guide.matcher"),
}
"""A stage must not reach up into these (each prefix covers the package and its modules)."""


def test_each_stage_imports_only_the_stages_below_it() -> None:
    graph = imports()
    problems = []
    for module, targets in graph.items():
        for stage, above in FORBIDDEN.items():
            if module == stage or module.startswith(stage + "."):
                problems += [f"{module} imports {t}" for t in targets if t.startswith(above)]
    # Speech stages (all but the one that builds the stack) know nothing of the dialog or the front ends.
    for module, targets in graph.items():
        if module.startswith("voice_guide.speech.") and module != "voice_guide.speech.stack":
            bad = ("voice_guide.dialog", "voice_guide.frontends", "voice_guide.session", "voice_guide.understand")
            problems += [f"{module} imports {t}" for t in targets if t.startswith(bad)]
    assert not problems, problems


def test_one_file_per_stage_exists() -> None:
    for stage in (
        "speech/microphone.py",
        "speech/endpoint.py",
        "speech/playback.py",
        "speech/speaker.py",
        "speech/stack.py",
        "engines/base.py",
        "engines/sphinx.py",
        "engines/vosk.py",
        "understand.py",
        "frontends/voice.py",
        "frontends/keyboard.py",
        "testing.py",
    ):
        assert (PACKAGE / stage).is_file(), stage
