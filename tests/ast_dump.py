"""A dump of an ``ast`` tree that two Pythons can compare: every node's class name, position and
fields, with the fields that are None or empty left out (3.13's ``ast.dump`` leaves them out,
3.12 has no ``default_value``, and a tree read through ``analysis/extract/downgrade`` sets
``type_params`` only where there are some).

Run as a script (``python ast_dump.py < module.py``) it prints the dump of its input, as JSON,
with nothing but the standard library: tests/analysis/test_newer_syntax.py runs it under a newer Python
than its own, when the machine has one, and compares.
"""

from __future__ import annotations

import ast
import json
import sys
from typing import Any

POSITIONS = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def dump(node: Any) -> Any:
    if isinstance(node, (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)):
        return type(node).__name__
    if isinstance(node, ast.AST):
        fields = list(node._fields)
        if "type_params" not in fields and hasattr(node, "type_params"):
            fields.append("type_params")
        found: dict[str, Any] = {"node": type(node).__name__}
        for name in POSITIONS:
            if hasattr(node, name):
                found[name] = getattr(node, name)
        for name in fields:
            value = getattr(node, name, None)
            if value is None or value == [] or (name == "kind" and isinstance(node, ast.Constant)):
                continue
            found[name] = dump(value)
        return found
    if isinstance(node, list):
        return [dump(item) for item in node]
    if isinstance(node, (bytes, complex)) or node is Ellipsis:
        return repr(node)
    return node


if __name__ == "__main__":
    print(json.dumps(dump(ast.parse(sys.stdin.read()))))
