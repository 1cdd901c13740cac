"""benchmarks/bench_models.py: its protocols and its summaries (the script itself is benchmarked
with real data by ``pytest -m slow``)."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_models
        yield bench_models
    finally:
        sys.path.remove(str(BENCHMARKS))


def _data(n=200, n_subjects=10, split=False):
    rng = np.random.default_rng(0)
    data = {"X": rng.normal(size=(n, 3, 16)).astype(np.float32),
            "y": np.arange(n) % 4, "subject": np.repeat(np.arange(n_subjects), n // n_subjects)}
    if split:
        data["split"] = np.where(data["subject"] < 7, "train", "test")
    return data


def test_leaky_split_is_60_20_20_of_windows_and_seeded(bench):
    data = _data()
    [(name, tr, te, groups, valid)] = bench.folds("d", "leaky", data, 0, False)
    assert name == "random" and groups is None and valid == 0.25
    assert len(tr) == 160 and len(te) == 40 and not set(tr) & set(te)
    # leaky: subjects on both sides
    assert set(data["subject"][tr]) & set(data["subject"][te])
    again = bench.folds("d", "leaky", data, 0, False)[0]
    other = bench.folds("d", "leaky", data, 1, False)[0]
    assert np.array_equal(again[1], tr) and not np.array_equal(other[1], tr)


def test_subject_protocol_never_shares_a_subject(bench):
    data = _data()
    fs = bench.folds("d", "subject", data, 0, False)
    assert [f[0] for f in fs] == [f"fold{k}" for k in range(5)]
    seen = np.concatenate([f[2] for f in fs])
    assert np.array_equal(np.sort(seen), np.arange(200))  # every window scored once
    for _, tr, te, groups, valid in fs:
        assert not set(data["subject"][tr]) & set(data["subject"][te])
        assert np.array_equal(groups, data["subject"][tr]) and valid == 0.2
    official = bench.folds("d", "subject", _data(split=True), 0, False)
    assert [f[0] for f in official] == ["official"]
    assert len(bench.folds("d", "subject", data, 0, True)) == 1  # --quick: one fold


def test_inner_protocol_never_touches_the_test_subjects(bench):
    data = _data(split=True)  # subjects 0-6 train, 7-9 test
    data["subject"] = np.repeat(np.arange(20), 10)
    data["split"] = np.where(data["subject"] < 14, "train", "test")
    [(name, fit, held, groups, valid)] = bench.folds("d", "inner", data, 0, False)
    used = np.concatenate([fit, held])
    assert name == "inner" and (data["split"][used] == "train").all()
    assert len(np.unique(data["subject"][held])) == bench.INNER_TEST_SUBJECTS
    assert not set(data["subject"][fit]) & set(data["subject"][held])
    assert np.array_equal(groups, data["subject"][fit]) and valid == 0.2
    # a fixed draw: the same held-out subjects whatever the seed
    assert np.array_equal(bench.folds("d", "inner", data, 5, False)[0][2], held)
    with pytest.raises(SystemExit, match="needs a dataset with an official test split"):
        bench.folds("d", "inner", _data(), 0, False)


def test_recipe_arms_are_paired_and_get_their_own_callbacks(bench):
    arms = bench.arms_of("usad", recipes=True)
    names = [a[0] for a in arms]
    assert names[0] == "default" and {"small", "ema", "small+ema"} <= set(names)
    for arm, _, parent in arms:
        assert parent is None or parent in names[:names.index(arm)]
    ema = dict((a[0], a[1]) for a in arms)["ema"]
    settings = {"max_epochs": 1, "patience": 1, "batch_size": 8, "lr": 1e-3}
    a = bench.make_estimator("usad", ema, settings, 0, "cpu")
    b = bench.make_estimator("usad", ema, settings, 0, "cpu")
    assert a.callbacks[0][1] is not b.callbacks[0][1]  # not shared between runs


def _run(seed, fold, acc, arm="default"):
    keys = ["accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro",
            "g_mean", "roc_auc_ovr", "ece", "s_per_epoch", "predict_windows_per_s",
            "epochs_run"]
    return {"model": "usad", "arm": arm, "dataset": "d", "protocol": "subject",
            "seed": seed, "fold": fold, **dict.fromkeys(keys, acc), "params": 10, "macs": 20}


def test_summary_averages_folds_then_seeds_and_waits_for_whole_seeds(bench):
    runs = [_run(0, "f0", 0.8), _run(0, "f1", 0.9), _run(1, "f0", 0.7), _run(1, "f1", 0.9),
            _run(2, "f0", 0.1)]  # seed 2 has one fold of two: left out
    summary = bench.summarise(runs, {("d", "subject"): 2})
    row = summary[("usad", "default", "d", "subject")]
    assert row["seeds"] == [0, 1]
    assert row["accuracy"]["mean"] == pytest.approx(0.825)
    assert row["accuracy"]["std"] == pytest.approx(np.std([0.85, 0.8], ddof=1))


def test_ladder_gains_are_paired_by_seed(bench):
    runs = [_run(s, "f0", a, "+both") for s, a in [(0, 0.80), (1, 0.90), (2, 0.70)]]
    runs += [_run(s, "f0", a, "default") for s, a in [(0, 0.85), (1, 0.88), (2, 0.75)]]
    gains = bench.ladder_gains(bench.summarise(runs, {("d", "subject"): 1}), "usad")
    [g] = [g for g in gains if g["arm"] == "default"]
    assert g["parent"] == "+both" and g["seeds_better"] == 2 and g["n_seeds"] == 3
    assert g["gain"]["mean"] == pytest.approx(np.mean([0.05, -0.02, 0.05]))


def test_every_ladder_arm_builds_on_an_earlier_one(bench):
    for model, ladder in bench.LADDERS.items():
        assert model in bench.MODELS
        names = []
        for arm, params, parent in ladder:
            assert parent is None or parent in names, (model, arm)
            names.append(arm)
        assert "default" in names  # shared with the runs without --ladder


@pytest.mark.slow
def test_quick_run_on_real_data(bench, tmp_path):
    if not os.environ.get("SKLEARN_HAR_DATA"):
        pytest.skip("needs SKLEARN_HAR_DATA")
    bench.main(["--quick", "--device", "cpu", "--seeds", "0", "--model", "cnn",
                "--dataset", "wisdm_v1_1_windows", "--protocol", "subject,leaky"])
    latest = sorted((BENCHMARKS / "results").glob("models.run-*.json"))[-1]
    import json

    result = json.loads(latest.read_text())
    assert {(r["protocol"], r["fold"]) for r in result["runs"]} == {
        ("subject", "fold0"), ("leaky", "random")}
    assert all(0 <= r["accuracy"] <= 1 for r in result["runs"])


@pytest.mark.slow
def test_resume_over_another_protocol(bench):
    # a file holding runs of a protocol this call does not plan is summarised, not a KeyError
    if not os.environ.get("SKLEARN_HAR_DATA"):
        pytest.skip("needs SKLEARN_HAR_DATA")
    common = ["--quick", "--device", "cpu", "--seeds", "0", "--model", "cnn",
              "--dataset", "wisdm_v1_1_windows", "--tag", "resume_test"]
    bench.main(common + ["--protocol", "leaky"])
    bench.main(common + ["--protocol", "subject", "--resume"])
    import json

    latest = sorted((BENCHMARKS / "results").glob("models_resume_test.run-*.json"))[-1]
    result = json.loads(latest.read_text())
    assert {s["protocol"] for s in result["summary"]} == {"leaky", "subject"}


def test_optimizer_and_recipe_arms_are_paired(bench):
    for table in (bench.OPTIMIZERS, bench.RECIPES):
        for model, arms in table.items():
            assert model in bench.MODELS
            names = [a[0] for a in bench.arms_of(model, recipes=table is bench.RECIPES,
                                                 optimizers=table is bench.OPTIMIZERS)]
            for arm, _, parent in arms:
                assert parent is None or parent in names[:names.index(arm)], (model, arm)
    # --optimizers alone plans the comparison only, every arm without early stopping
    arms = bench.arms_of("mag_res2net", optimizers=True)
    assert [a[0] for a in arms] == [a[0] for a in bench.OPTIMIZERS["mag_res2net"]]
    assert all(params["patience"] is None for _, params, _ in arms)


def test_arm_parameters_override_the_settings_and_none_keeps_the_model_default(bench):
    settings = {"max_epochs": 5, "patience": 3, "batch_size": None, "lr": None}
    mag = bench.make_estimator("mag_res2net", {}, settings, 0, "cpu")
    assert (mag.batch_size, mag.lr, mag.max_epochs, mag.patience) == (256, 5e-3, 5, 3)
    assert bench.make_estimator("cnn", {}, settings, 0, "cpu").batch_size == 64
    lion = dict((a[0], a[1]) for a in bench.OPTIMIZERS["mag_res2net"])["Lion"]
    clf = bench.make_estimator("mag_res2net", lion, {**settings, "lr": 1e-3}, 0, "cpu")
    assert (clf.optimizer, clf.lr, clf.batch_size, clf.patience) == (bench.Lion, 3e-3, 2048,
                                                                      None)
    smote = dict((a[0], a[1]) for a in bench.LADDERS["mag_res2net"])["+both"]
    assert "sampler" not in bench.make_estimator("mag_res2net", smote, settings, 0,
                                                 "cpu").get_params()


class _Recorder:
    """Stands in for a classifier: records what fit_run hands it."""

    def set_params(self, **params):
        self.params = params
        return self

    def fit(self, X, y, groups=None):
        self.X, self.y, self.groups = X, y, groups
        return self


def test_oversampling_touches_the_training_subjects_only(bench):
    rng = np.random.default_rng(0)
    n = 240
    y = np.r_[np.zeros(200, int), np.ones(40, int)]  # imbalanced: SMOTE adds class 1
    X = (rng.normal(size=(n, 3, 16)) + y[:, None, None]).astype(np.float32)
    groups = np.arange(n) % 8
    plain = bench.fit_run(_Recorder(), None, X, y, groups, 0.25, 0)
    assert plain.X is X and plain.groups is groups
    assert isinstance(plain.params["train_split"], bench.WindowValidSplit)
    rec = bench.fit_run(_Recorder(), "borderline", X, y, groups, 0.25, 0)
    fit, val = bench.WindowValidSplit(0.25, random_state=0).split_indices(y, groups)
    split = rec.params["train_split"]
    assert split.n_valid == len(val) and len(rec.X) > n  # windows were added ...
    np.testing.assert_array_equal(rec.X[-len(val):], X[val])  # ... and validation is real
    np.testing.assert_array_equal(rec.y[-len(val):], y[val])
    n_fit = len(rec.X) - len(val)
    assert np.bincount(rec.y[:n_fit])[1] > np.bincount(y[fit])[1]
    from sklearn_har.classifiers import WindowDataset

    train, valid = split(WindowDataset(rec.X, rec.y))
    assert len(train) == n_fit and len(valid) == len(val)
    with pytest.raises(ValueError, match="unknown sampler 'smote'"):
        bench.fit_run(_Recorder(), "smote", X, y, groups, 0.25, 0)


def test_seconds_to_a_validation_accuracy_and_paired_speed_up(bench):
    assert bench.seconds_to([0.5, 0.8, 0.9], [1.0, 2.0, 4.0], 0.8) == 3.0
    assert bench.seconds_to([0.5, 0.6], [1.0, 1.0], 0.9) is None

    def run(arm, curve, epoch_s, seed=0):
        return {"model": "mag_res2net", "arm": arm, "dataset": "d", "protocol": "subject",
                "seed": seed, "fold": "f0", "accuracy": curve[-1], "valid_acc_curve": curve,
                "epoch_s": epoch_s}

    runs = [run("AdamW", [0.6, 0.8, 0.9], [2.0, 2.0, 2.0]),
            run("Lion", [0.7, 0.85], [1.0, 1.0])]
    [t] = bench.optimizer_times(runs, "mag_res2net")
    # target: the lower best (0.85); AdamW reaches it at epoch 3 (6 s), Lion at 2 (2 s)
    assert (t["arm"], t["parent"], t["n_runs"]) == ("Lion", "AdamW", 1)
    assert t["target"]["mean"] == 0.85 and t["s_arm"]["mean"] == 2.0
    assert t["s_parent"]["mean"] == 6.0 and t["speedup"]["mean"] == 3.0


def test_loso_protocol_holds_out_one_subject_per_fold(bench):
    data = _data(n=80, n_subjects=8)
    fs = bench.folds("utd_mhad_inertial", "subject", data, 0, False)
    assert [f[0] for f in fs] == [f"loso{s}" for s in range(8)]
    for name, tr, te, groups, valid in fs:
        assert set(data["subject"][te]) == {int(name[4:])}
        assert not set(data["subject"][tr]) & set(data["subject"][te])
        assert np.array_equal(groups, data["subject"][tr]) and valid == 0.2


def test_recordings_become_one_resampled_window_each(bench):
    from sklearn.utils import Bunch

    lengths = [107, 326, 200]
    rec = np.repeat(np.arange(3), lengths)
    ramp = np.concatenate([np.linspace(0, 1, n) for n in lengths])
    table = np.column_stack([ramp, -ramp, rec, rec]).astype(np.float32)  # 2 channels + 2 ids
    data = Bunch(data=table, recording=rec, subject=np.repeat([4, 5, 6], lengths),
                 target=np.repeat([2, 0, 1], lengths), target_names=["a", "b", "c"],
                 channel_names=["x", "y"])
    out = bench.recordings_as_windows(data, 96)
    assert out["X"].shape == (3, 2, 96)
    np.testing.assert_allclose(out["X"][:, 0, [0, -1]], [[0, 1]] * 3, atol=1e-6)
    np.testing.assert_allclose(out["X"][:, 1], -out["X"][:, 0])
    assert out["y"].tolist() == [2, 0, 1] and out["subject"].tolist() == [4, 5, 6]


def test_umsnet_grid_pairs_variants_at_equal_slices(bench):
    arms = bench.arms_of("umsnet", grid=True)
    assert len(arms) == 9 and arms[0][0] == "A K=6" and arms[0][2] is None
    parents = {a: p for a, _, p in arms}
    assert parents["A K=24"] == "A K=6" and parents["C K=12"] == "A K=12"
    params = dict((a, p) for a, p, _ in arms)["B K=24"]
    assert params == {"module__variant": "B", "module__n_slices": 24}


def test_a_recording_of_several_activities_is_refused(bench):
    from sklearn.utils import Bunch

    rec = np.repeat([0, 1], 10)
    data = Bunch(data=np.zeros((20, 3), np.float32), recording=rec, subject=np.zeros(20),
                 target=np.r_[np.zeros(15, int), np.ones(5, int)], target_names=["a", "b"],
                 channel_names=["x"])
    with pytest.raises(ValueError, match="recording 1 holds several activities"):
        bench.recordings_as_windows(data, 8)


def _sft_run(seed, arm, f1, macs, filters, mcu=None, model="sftnas"):
    run = {"model": model, "arm": arm, "dataset": "uci_har_official", "protocol": "subject",
           "seed": seed, "fold": "official", "accuracy": f1 + 0.01, "f1_macro": f1,
           "params": 10_000 + macs // 100, "macs": macs,
           **{k: 0.5 for k in ("f1_weighted", "precision_macro", "recall_macro", "g_mean",
                               "roc_auc_ovr", "ece", "s_per_epoch", "predict_windows_per_s",
                               "epochs_run")}}
    if model == "sftnas":
        run["search"] = {"backend": "conv", "beta1": float(arm.split("=")[1]),
                         "layers": [{"stride": s, "op": "conv3", "filters": f}
                                    for s, f in zip([1, 2, 1, 2], filters)],
                         "sensors": ["a", "b"], "sensors_dropped": ["c"], "n_timesteps_out": 8,
                         "peak_sram_int8_bytes": 4096, "search_epochs": 3, "search_s": 10.0,
                         "search_valid_acc": 0.8}
    if mcu is not None:
        run["mcu"] = {"arena_bytes": 20_000, "max_arena_kb": 96, "fits": True,
                      "flash_bytes": 30_000, "int8_accuracy": mcu + 0.01, "int8_f1_macro": mcu,
                      "agreement": 0.99, "verified": True, "m33_bound_ms": 5.0,
                      "arena_breakdown": {}}
    return run


def test_sftnas_summary_tables_and_figures(bench, tmp_path):
    runs = [_sft_run(s, "conv beta1=0", 0.9 + s / 100, 2_000_000, [8, 8, 16, 16], mcu=0.89)
            for s in (0, 1)]
    runs += [_sft_run(s, "conv beta1=10", 0.8, 500_000, [2, 4, 6, 8]) for s in (0, 1)]
    runs += [_sft_run(0, "conv beta1=30", 0.7, 100_000, [1, 1, 2, 2])]  # seed 1 missing
    runs += [_sft_run(s, "default", 0.93, 36_000_000, [], model="tinyhar") for s in (0, 1)]
    rows = bench.sftnas_summary(runs, {("uci_har_official", "subject"): 1})
    by_arm = {r["arm"]: r for r in rows}
    assert set(by_arm) == {"conv beta1=0", "conv beta1=10", "conv beta1=30", "default"}
    first = by_arm["conv beta1=0"]
    assert first["f1_macro"]["mean"] == pytest.approx(0.905)
    assert first["filters"] == [8, 8, 16, 16] and first["n_sensors"] == 2
    assert first["mcu"]["n_runs"] == 2 and first["mcu"]["all_fit"]
    assert "mcu" not in by_arm["conv beta1=10"] and "filters" not in by_arm["default"]
    text = bench.sftnas_tables(rows)
    assert "Table II" in text and "Figure 5b" in text
    assert "| conv beta1=10 | uci_har_official | subject | 2.0 | 4.0 | 6.0 | 8.0 |" in text
    pytest.importorskip("matplotlib")
    [png] = bench.sftnas_figures(rows, "test", directory=tmp_path)
    assert png.exists() and png.stat().st_size > 10_000


def test_sftnas_and_tinyhar_estimators(bench):
    settings = {"max_epochs": 5, "patience": 3, "batch_size": None, "lr": None,
                "search_epochs": 7}
    arms = dict((a[0], a[1]) for a in bench.arms_of("sftnas", grid=True))
    assert sorted(a["beta1"] for a in arms.values()) == sorted(bench.SFTNAS_BETA1)
    clf = bench.make_estimator("sftnas", arms["conv beta1=3"], settings, 0, "cpu")
    assert (clf.backend, clf.beta1, clf.search_epochs, clf.max_epochs) == ("conv", 3.0, 7, 5)
    tiny = bench.make_estimator("tinyhar", {}, settings, 0, "cpu")
    assert tiny.batch_size == 256 and tiny.module__padding == "valid"
    assert not hasattr(bench.make_estimator("cnn", {}, settings, 0, "cpu"), "search_epochs")


@pytest.mark.slow
def test_sftnas_quick_run_saves_models_and_exports_them_to_the_mcu(bench, tmp_path,
                                                                   monkeypatch):
    if not os.environ.get("SKLEARN_HAR_DATA"):
        pytest.skip("needs SKLEARN_HAR_DATA")
    pytest.importorskip("ai_edge_litert")
    common = ["--quick", "--device", "cpu", "--seeds", "0", "--model", "sftnas", "--grid",
              "--dataset", "uci_har_official", "--protocol", "subject", "--tag", "sftnas_test"]
    monkeypatch.setitem(bench.GRIDS, "sftnas", bench.GRIDS["sftnas"][:1])  # beta1 = 0 only
    bench.main(common + ["--save-models", str(tmp_path)])
    bench.main(common + ["--resume", "--export-mcu", str(tmp_path)])
    import json

    latest = sorted((BENCHMARKS / "results").glob("models_sftnas_test.run-*.json"))[-1]
    [run] = json.loads(latest.read_text())["runs"]
    assert run["search"]["backend"] == "conv" and len(run["search"]["layers"]) == 10
    assert run["mcu"]["arena_bytes"] > 0 and 0 <= run["mcu"]["int8_f1_macro"] <= 1
