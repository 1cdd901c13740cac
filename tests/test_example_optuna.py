"""examples/tune_loss_optuna.py: a 2-trial study in an SQLite file, then resumed."""

import importlib.util
import math
from pathlib import Path

import optuna
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tune_loss_optuna.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("tune_loss_optuna", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tune_loss_optuna_stores_and_resumes_a_study(tmp_path, capsys):
    example = _load_example()
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    kwargs = {"storage": storage, "study_name": "tiny", "seed": 0, "n_windows": 240}
    example.NET_PARAMS["max_epochs"] = 4  # this module object only; keeps the test short

    result = example.main(n_trials=2, compare=False, **kwargs)

    study = optuna.load_study(study_name="tiny", storage=storage)
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(study.trials) == 2 and len(complete) == 2
    # the first trial is the enqueued paper defaults
    assert study.trials[0].params == example.DEFAULT_PARAMS
    assert study.trials[0].user_attrs["paper_defaults"] is True
    for trial in complete:
        assert math.isfinite(trial.value) and 0.0 <= trial.value <= 1.0
        assert 0.0 <= trial.user_attrs["g_mean"] <= 1.0
        assert math.isclose(sum(trial.user_attrs["loss_weights"].values()), 1.0, abs_tol=1e-3)
    assert set(study.best_params) == set(example.SEARCH_SPACE)
    for name, value in study.best_params.items():
        low, high, _ = example.SEARCH_SPACE[name]
        assert low <= value <= high, (name, value)
    # main returns set_params names; the loss weights are normalised
    best = result["best_params"]
    assert result["best_value"] == study.best_value
    weights = [best[f"criterion__weight_{k}"] for k in ("sl", "fl", "ce")]
    assert math.isclose(sum(weights), 1.0) and min(weights) > 0
    assert {"callbacks__adaptive_loss__tau", "callbacks__adaptive_loss__temperature",
            "criterion__gamma", "criterion__epsilon"} <= set(best)

    # same study name: load_if_exists resumes, the defaults are not enqueued again
    result = example.main(n_trials=2, compare=True, **kwargs)
    study = optuna.load_study(study_name="tiny", storage=storage)
    assert len(study.trials) == 4
    assert len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) == 4
    assert sum(bool(t.user_attrs.get("paper_defaults")) for t in study.trials) == 1
    # the resumed run's sampler did not redraw the first run's random point
    assert study.trials[2].params != study.trials[1].params
    for scores in (*result["cv"].values(), *result["test"].values()):
        assert all(0.0 <= scores[m] <= 1.0 for m in ("f1_macro", "g_mean", "accuracy"))
    out = capsys.readouterr().out
    assert "2 trials before this run" in out and "best params:" in out
    assert "test subjects" in out


def test_tune_loss_optuna_refuses_other_data_or_no_resume(tmp_path):
    example = _load_example()
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    study.set_user_attr("data", {"seed": 1, "n_windows": 240})
    with pytest.raises(ValueError, match="not comparable"):
        example.main(n_trials=1, storage=storage, study_name="s", seed=0, n_windows=240)
    with pytest.raises(SystemExit, match="already exists"):
        example.main(n_trials=1, storage=storage, study_name="s", resume=False)
    assert len(optuna.load_study(study_name="s", storage=storage).trials) == 0
