"""The Python examples of the documentation run.

Every fenced ```` ```python ```` block of the pages below is executed. The
blocks of one page run in order in one namespace, as a reader working through
the page in one Python session would run them (the README's grid search goes
on from its quickstart); the guide's blocks each carry their imports as well.
A new block is picked up without touching this file: keep the examples small
enough for the default suite (the pages together take well under a minute on
2 cores). Blocks in other fences (```` ```bash ````, plain ```` ``` ````) are
not run. The one block that reads a real benchmark skips that part unless
``SKLEARN_HAR_DATA`` is set.
"""

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "docs/index.md"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$",
                    re.MULTILINE | re.DOTALL)


def python_blocks(text):
    """``(line, code)`` of every ```python block of a Markdown text; ``line`` is
    the 1-based line of the block's first code line."""
    return [(text.count("\n", 0, m.start("code")) + 1, textwrap.dedent(m["code"]))
            for m in _FENCE.finditer(text)]


def test_python_blocks_are_found():
    text = ("intro\n```python\nx = 1\n```\n```bash\nls\n```\n"
            "* item\n\n  ```python\n  y = x + 1\n  ```\n```\nplain\n```\n")
    assert python_blocks(text) == [(3, "x = 1\n"), (11, "y = x + 1\n")]
    for page in PAGES:
        assert python_blocks((ROOT / page).read_text()), f"no python block in {page}"


@pytest.mark.parametrize("page", PAGES)
def test_python_blocks_of_the_page_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # whatever a block writes stays out of the repository
    namespace = {"__name__": "__main__"}
    for line, code in python_blocks((ROOT / page).read_text()):
        try:
            # padded so that a traceback gives the line numbers of the page
            exec(compile("\n" * (line - 1) + code, page, "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"the python block at {page}:{line} raised "
                                 f"{type(exc).__name__}: {exc}") from exc
