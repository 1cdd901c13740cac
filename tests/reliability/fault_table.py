"""The table of faults in ``docs/reliability.md``, made from the test suite.

Every test function whose docstring starts with ``Fault:`` and has a ``Behaviour:``
part is one row: the fault, what the library does, and the test that proves it.
Run ``python tests/reliability/fault_table.py`` to rewrite the table after adding one.
"""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- fault table: begin -->", "<!-- fault table: end -->"


def _flat(text):
    return re.sub(r"\s+", " ", text).strip()


def faults():
    """``[(fault, behaviour, test id)]`` in file and line order."""
    rows = []
    files = sorted(ROOT.glob("tests/**/test_*.py")) + sorted(
        ROOT.glob("sklearn_har/**/tests/test_*.py"))
    for path in files:
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            doc = ast.get_docstring(node) or ""
            if not doc.startswith("Fault:") or "Behaviour:" not in doc:
                continue
            fault, behaviour = doc[len("Fault:"):].split("Behaviour:", 1)
            rows.append((_flat(fault), _flat(behaviour),
                         f"{path.relative_to(ROOT).as_posix()}::{node.name}"))
    return rows


def table():
    lines = ["| fault | what sklearn_har does | test |", "|---|---|---|"]
    lines += [f"| {f} | {b} | `{t}` |" for f, b, t in faults()]
    return "\n".join(lines)


def render(text):
    """``text`` with the table between the markers replaced by the current one."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text()))
    print(f"{DOC}: {len(faults())} faults", file=sys.stderr)
