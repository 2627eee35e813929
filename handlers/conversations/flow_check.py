"""Reading a flow's handlers for the step names they go to, so that the engine can refuse, when
a flow is loaded, one whose handlers name a step it lacks (a typo, a step renamed in a release)."""
from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the engine imports this module; the type is only for annotations
    from .engine import Flow


def named_steps(flow: Flow) -> set[str]:
    """The step names a flow's handlers return as literals (``return "summary"``, also either
    branch of ``"a" if c else "b"``), read from their source, so that a typo or a renamed step
    fails when the flow is loaded, not when a person reaches it."""
    handlers: list[Callable] = [flow.start]
    for step in flow.steps.values():
        handlers += [h for h in (step.on_tap, step.on_text, step.on_date, step.on_image) if h]
    named: set[str] = set()
    for handler in handlers:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
        except (OSError, TypeError, SyntaxError):   # a lambda inside an expression, a builtin
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Return) and node.value is not None:
                named |= _literals(node.value)
    return named


def _literals(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    return set()
