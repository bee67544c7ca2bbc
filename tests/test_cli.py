"""The shape of the `leaderboard` command line: an `Example:` block in every command's help (as
sqlite-utils does), failures as click exceptions with their exit status (never `SystemExit` with
a message, never an error recognised by its text), one `--root` declaration, and an import
graph without cycles (command modules never import `cli.py`; the schemas never import the
graders).
"""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT

from generator.cli import main

PACKAGE = REPO_ROOT / "generator"


def every_command() -> list[tuple[str, click.Command]]:
    """(full name, command) for every command and subcommand, groups included."""
    found = []

    def walk(prefix: str, group: click.Group) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            found.append((f"{prefix} {name}", command))
            if isinstance(command, click.Group):
                walk(f"{prefix} {name}", command)

    walk("leaderboard", main)
    return found


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    named = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        named[".".join(parts)] = path
    return named


def runtime_nodes(tree: ast.AST):
    """Every node except those under `if TYPE_CHECKING:` (imports for type checkers only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *runtime_nodes(child)])
            continue
        yield node
        yield from runtime_nodes(node)


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package modules `name` imports at run time anywhere in its file (function-level
    imports too; `if TYPE_CHECKING:` imports are not run)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).strip(".") \
                if node.level else node.module
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {module for module in found if module in known and module != name}


def test_the_top_command_lists_every_command():
    names = {name.split()[1] for name, _ in every_command() if len(name.split()) == 2}
    assert {"validate", "schema", "build", "run", "rescore", "serve", "import", "sources", "graders"} <= names


@pytest.mark.parametrize("name, command", every_command(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_command_has_an_example(name, command):
    """The help shows an `Example:` block whose lines are real invocations of this command."""
    args = name.split()[1:] + ["--help"]
    result = CliRunner().invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"`{name} --help` has no Example: block"
    example = result.output.split("Example:", 1)[1].split("Options:", 1)[0]
    lines = [line.strip() for line in example.splitlines() if line.strip()]
    assert lines and all(line.startswith(("leaderboard ", "git ")) for line in lines), example
    assert any(name in line for line in lines), f"no example runs `{name}`:\n{example}"


def test_help_at_the_top_has_an_example_too():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "Example:\n\n      leaderboard validate\n" in result.output


def test_no_command_exits_with_a_bare_system_exit():
    """Failures are click exceptions (message on stderr, exit 1, or 2 for usage errors)."""
    offenders = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                called = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(called, ast.Name) and called.id == "SystemExit":
                    offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert offenders == []


def test_no_error_is_recognised_by_its_text():
    """`str(e).startswith(...)` to tell errors apart breaks when a message is reworded: errors
    that need their own handling have their own class."""
    offenders = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("startswith", "endswith") and isinstance(node.func.value, ast.Call)
                    and isinstance(node.func.value.func, ast.Name) and node.func.value.func.id == "str"
                    and node.func.value.args and isinstance(node.func.value.args[0], ast.Name)
                    and node.func.value.args[0].id in ("e", "exc", "error", "err")):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert offenders == []


def test_root_is_declared_once():
    declared = [f"{path.relative_to(REPO_ROOT)}" for path in modules().values()
                if '"--root"' in path.read_text(encoding="utf-8")]
    assert declared == ["generator/cli_common.py"]


def test_no_module_imports_the_command_line_entry_point():
    known = modules()
    importers = sorted(name for name, path in known.items() if "generator.cli" in imports(name, path, known))
    assert importers == []


def test_the_import_graph_has_no_cycles():
    """Tarjan's strongly connected components over every import in the package; any component of
    more than one module is a cycle (schemas <-> grading was one; command modules <-> cli another)."""
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(cycle) for cycle in cycles)


def test_catalog_problems_are_listed_one_per_line_then_exit_1(tmp_path):
    (tmp_path / "model_cards").mkdir()
    (tmp_path / "model_cards" / "bad.yaml").write_text("id: bad\nname: Bad\nflavour: sour\n")
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("model_cards/bad.yaml:") for line in lines), result.output
    assert lines[-1].startswith("Error: ") and lines[-1].endswith("problem(s) found in the catalog")


def test_an_empty_folder_is_an_error_not_ok(tmp_path):
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path)])
    assert result.exit_code == 1 and "is --root right?" in result.output and "ok:" not in result.output


def test_building_into_the_project_is_a_usage_error(tmp_path):
    """The refusal has its own exception class: a usage error (exit 2), found by type."""
    (tmp_path / "model_cards").mkdir()
    result = CliRunner().invoke(main, ["build", "--root", str(tmp_path), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "refusing to build into" in result.output


def test_python_dash_m_runs_the_command_line():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "generator.cli", "build-site", "--help"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Usage:" in done.stdout and "--base-url" in done.stdout


def test_the_build_command_leaves_its_objects_out_of_the_final_collection(tmp_path):
    """`build` is the last thing its process does: what the build left alive is frozen, so that
    shutdown does not collect it all once more (the library function `build` freezes nothing)."""
    import gc

    from site_fixtures import write_catalog

    root = write_catalog(tmp_path / "repo")
    gc.unfreeze()
    try:
        result = CliRunner().invoke(main, ["build", "--root", str(root), "--out", str(tmp_path / "public"), "--quiet"])
        assert result.exit_code == 0, result.output
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
