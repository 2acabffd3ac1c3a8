"""The judge's modules import one way: types <- checks <- run <- fronts, never in a circle.

Imports are read from the source with ``ast`` (lazy ones inside functions included; those
under ``if TYPE_CHECKING:`` left out, since they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import jobhook_testkit

PACKAGE = Path(jobhook_testkit.__file__).resolve().parent

# module -> layer; a module may import only modules of lower layers.
LAYERS: dict[str, float] = {
    "delivery": 0,
    "_suite_types": 1,
    "_check_context": 2,
    "_check_redelivery": 3,
    "_checks": 3.5,
    "_registry": 4,
    "_preflight": 4,
    "_http_probe": 4,
    "_contract_run": 5,
    "contract": 6,
    "assertions": 7,
    "receiver_contract": 7,
    "_commands.check": 8,
}
# Rendering reads the data and is imported by the fronts; ``str(report)`` calls it lazily.
READERS = {"_report_render"}
ALLOWED_UPWARDS = {("_suite_types", "_report_render")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(module: str) -> set[str]:
    """The jobhook_testkit modules ``module`` imports when it runs (dotted, no prefix)."""
    path = PACKAGE.joinpath(*module.split(".")).with_suffix(".py")
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("jobhook_testkit."):
                found.add(node.module.removeprefix("jobhook_testkit."))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("jobhook_testkit."):
                    found.add(alias.name.removeprefix("jobhook_testkit."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


JUDGE = set(LAYERS) | READERS
GRAPH = {module: _runtime_imports(module) & JUDGE for module in JUDGE}


def test_the_judge_has_no_import_circle() -> None:
    state: dict[str, str] = {}
    circles: list[list[str]] = []

    def walk(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                circles.append([*trail[trail.index(target):], target])
            elif target not in state:
                walk(target, [*trail, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            walk(module, [module])
    assert circles == []


def test_imports_run_from_the_types_up_to_the_fronts() -> None:
    upwards = [
        (module, target)
        for module, targets in GRAPH.items() if module in LAYERS
        for target in targets
        if target in LAYERS and LAYERS[target] >= LAYERS[module]
    ]
    upwards += [
        (module, target)
        for module, targets in GRAPH.items()
        for target in targets
        if target in READERS and (module, target) not in ALLOWED_UPWARDS
        and module in LAYERS and LAYERS[module] < LAYERS["contract"]
    ]
    assert upwards == []


def test_the_data_types_and_the_renderer_import_nothing_of_the_suite() -> None:
    assert GRAPH["_suite_types"] <= {"_report_render"}
    assert GRAPH["_report_render"] == set()
    assert GRAPH["delivery"] == set()


def test_the_graph_is_read_from_the_source() -> None:
    # The test sees real edges (a parser that found none would pass the others).
    assert "_suite_types" in GRAPH["_check_context"]
    assert "_checks" in GRAPH["_registry"]  # lazily, inside checks()
    assert "_contract_run" in GRAPH["contract"]
    assert "delivery" not in GRAPH["_suite_types"]  # only under TYPE_CHECKING there


def test_a_check_context_repr_shows_no_credential() -> None:
    from jobhook_testkit.contract import CheckContext

    ctx = CheckContext("http://127.0.0.1:9/", "Bearer s3cret", 1.0, 1, "x",
                       headers={"X-Api-Key": "k3y"})
    assert "s3cret" not in repr(ctx) and "k3y" not in repr(ctx)
    assert "Bearer [redacted]" in repr(ctx)
