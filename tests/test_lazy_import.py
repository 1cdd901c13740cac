"""``import sklearn_har`` and the torch-free parts of it never load torch or skorch.

Each check runs in a fresh interpreter (this test session has torch loaded
already), and reports which heavy modules the code left in ``sys.modules``.
"""

import json
import subprocess
import sys
import textwrap

import pytest

HEAVY = ("torch", "skorch")


def _loaded_after(code):
    """The modules of ``HEAVY`` that ``code`` left imported, run in a new interpreter."""
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print("LOADED=" + json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("LOADED=")][-1]
    return json.loads(line[len("LOADED="):])


def test_import_and_feature_pipeline_names_leave_torch_out():
    assert _loaded_after("""
        import sklearn_har
        sklearn_har.WindowSegmenter, sklearn_har.StatFeatures
        sklearn_har.Pipeline, sklearn_har.make_pipeline, sklearn_har.WindowScaler
        import sklearn_har.preprocessing, sklearn_har.pipeline, sklearn_har.exceptions
        import sklearn_har.utils._torch, sklearn_har.utils._progress
    """) == []


def test_borderline_smote_leaves_torch_out_and_diffusion_loads_it():
    assert _loaded_after("""
        import sklearn_har
        sklearn_har.BorderlineSMOTE
        from sklearn_har.samplers import BorderlineSMOTE, NoDangerWarning
        assert "DiffusionAugmenter" in dir(sklearn_har.samplers)
    """) == []
    assert _loaded_after("""
        from sklearn_har.samplers import DiffusionAugmenter
    """) == ["torch"]


def test_a_torch_backed_name_loads_torch_and_every_name_is_listed():
    assert _loaded_after("""
        import sklearn_har
        assert set(sklearn_har.__all__) <= set(dir(sklearn_har))
        for name in ("CNNClassifier", "NeuralWindowClassifier", "BorderlineSMOTE",
                     "DiffusionAugmenter"):
            assert name in dir(sklearn_har), name
        from sklearn_har import CNNClassifier
        assert CNNClassifier is sklearn_har.classifiers.CNNClassifier
    """) == list(HEAVY)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        import sklearn_har

        sklearn_har.NoSuchThing  # noqa: B018


def test_main_job_with_the_default_model_does_not_import_torch():
    assert _loaded_after("""
        import runpy, sys
        sys.argv = ["sklearn_har", "--quiet", "--folds", "2", "--n-jobs", "1"]
        try:
            runpy.run_module("sklearn_har", run_name="__main__")
        except SystemExit as exc:
            assert not exc.code, exc.code
    """) == []
