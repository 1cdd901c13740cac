"""Where the benchmark scripts write their results (benchmarks/_common.py)."""

import ast
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture
def common(tmp_path, monkeypatch):
    """benchmarks/_common.py, imported by path, saving into ``tmp_path``."""
    spec = importlib.util.spec_from_file_location("bench_common", BENCHMARKS / "_common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    monkeypatch.setattr(module, "hardware", lambda: {
        "cpu": "test cpu", "usable_cores": 2, "python": "3", "numpy": "2", "scikit-learn": "1"})
    return module


def test_save_writes_a_run_specific_file_by_default(common, tmp_path):
    path = common.save("demo", {"score": 0.5}, "| a |")
    run = common.RUN
    assert path == tmp_path / f"demo.run-{run}.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"demo.run-{run}.json",
                                                          f"demo.run-{run}.md"]
    saved = json.loads(path.read_text())
    assert saved["benchmark"] == "demo" and saved["run"] == run and saved["score"] == 0.5
    # a later save of the same run (e.g. after the next seed) rewrites its file
    common.save("demo", {"score": 0.6}, "| a |")
    assert len(list(tmp_path.iterdir())) == 2
    assert json.loads(path.read_text())["score"] == 0.6


def test_save_writes_the_committed_name_with_update_results(common, tmp_path):
    path = common.save("demo", {"score": 0.5}, "| a |", update_results=True)
    assert path == tmp_path / "demo.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json", "demo.md"]
    assert "| a |" in (tmp_path / "demo.md").read_text()


def test_results_arguments_and_resume(common, tmp_path):
    import argparse

    parser = common.add_results_args(argparse.ArgumentParser(), resume=True)
    args = parser.parse_args([])
    assert args.update_results is False and args.resume is None
    args = parser.parse_args(["--resume", "--update-results"])
    assert args.update_results is True and args.resume == "latest"
    assert parser.parse_args(["--resume", "20250102T030405Z"]).resume == "20250102T030405Z"

    assert common.resume_target("demo", None) == (None, None)
    assert common.resume_target("demo", "latest") == (None, None)  # nothing yet: start afresh
    common.save("demo", {}, "", run="20250101T000000Z")
    common.save("demo", {}, "", run="20250102T000000Z")
    common.save("demo_quick", {}, "", run="20250103T000000Z")  # another benchmark name
    common.save("demo", {}, "", update_results=True)
    # the latest run-specific file, continued under its own name
    path, run = common.resume_target("demo", "latest")
    assert (path.name, run) == ("demo.run-20250102T000000Z.json", "20250102T000000Z")
    assert common.save("demo", {}, "", run=run) == path
    path, run = common.resume_target("demo", "20250101T000000Z")
    assert (path.name, run) == ("demo.run-20250101T000000Z.json", "20250101T000000Z")
    assert common.resume_target("demo", str(path)) == (path, run)
    # --update-results --resume: the committed file
    assert common.resume_target("demo", "latest", update_results=True) == (
        tmp_path / "demo.json", None)
    with pytest.raises(SystemExit, match="no result file"):
        common.resume_target("demo", "19990101T000000Z")
    with pytest.raises(SystemExit, match="holds no results of demo"):
        common.resume_target("demo", str(tmp_path / "demo_quick.run-20250103T000000Z.json"))


def test_every_benchmark_script_uses_the_rule():
    """Each bench_*.py offers --update-results and passes it to every save()."""
    scripts = sorted(BENCHMARKS.glob("bench_*.py"))
    assert scripts
    for script in scripts:
        tree = ast.parse(script.read_text())
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name)]
        saves = [c for c in calls if c.func.id == "save"]
        assert saves, f"{script.name} saves nothing"
        for call in saves:
            assert "update_results" in {k.arg for k in call.keywords}, (
                f"{script.name}:{call.lineno}: save() without update_results=")
        assert any(c.func.id == "add_results_args" for c in calls), script.name


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs the git work tree")
def test_run_specific_result_files_are_ignored_by_git():
    def ignored(name):
        return subprocess.run(["git", "check-ignore", "-q", f"benchmarks/results/{name}"],
                              cwd=ROOT).returncode == 0

    assert ignored("foundation_uci_har_raw.run-20250102T030405Z.json")
    assert ignored("foundation_uci_har_raw.run-20250102T030405Z.md")
    assert not ignored("foundation_uci_har_raw.json")
    assert not ignored("foundation_uci_har_raw.md")
