"""docs/reliability.md holds the fault table the test suite makes."""

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _module():
    spec = importlib.util.spec_from_file_location("fault_table", HERE / "fault_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fault_table_in_the_docs_is_current():
    ft = _module()
    rows = ft.faults()
    assert len(rows) >= 15
    assert all(f and b for f, b, _ in rows)
    ids = [t for _, _, t in rows]
    assert len(ids) == len(set(ids))
    assert any("test_persistence" in t for t in ids) and any("test_faults" in t for t in ids)
    text = ft.DOC.read_text()
    assert ft.render(text) == text, ("docs/reliability.md is out of date: run "
                                     "python tests/reliability/fault_table.py")
