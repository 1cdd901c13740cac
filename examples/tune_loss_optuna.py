"""Tune the composite loss of CNNClassifier with Optuna (TPE, SQLite storage).

``SmoothFocalCELoss`` (label smoothing + focal + cross-entropy) and the
``AdaptiveLossWeights`` callback that re-weights its terms every epoch have
hyper-parameters of their own: the three initial weights, ``tau`` and
``temperature`` of the weight update, ``gamma`` of the focal term and
``epsilon`` of the smoothing term. This script searches them with Optuna's
TPE sampler; every trial is stored in a relational database (an SQLite file by
default), so a search can be stopped, resumed, shared by many workers and
inspected later.

Everything is reached with scikit-learn's ``__`` syntax: each fit clones one
template classifier and calls ``set_params(criterion__gamma=...,
callbacks__adaptive_loss__tau=..., ...)``; the Optuna parameter names *are*
those names, except for the raw loss weights (below).

Data and evaluation
    ``make_har_windows``: 6 activities, 6 channels, 12 subjects, classes
    imbalanced 8:1 (geometric shares), so that how the focal term is weighted
    can matter. Before the search, ``GroupShuffleSplit`` puts 3 *test*
    subjects aside. A trial's score is the mean macro-F1 of a ``GroupKFold(3)``
    over the 9 *development* subjects (train on 6, score the other 3);
    G-mean and accuracy are stored as trial user attributes. ``fit(...,
    groups=...)`` also makes the classifier's internal validation split, from
    which ``AdaptiveLossWeights`` reads the accuracy, subject-wise. Optuna's
    ``MedianPruner`` stops a trial after its second fold when its running mean
    is below the median of earlier trials there (never in the first 4 trials;
    not after the first fold, a single fold's score being too noisy).
    The objective is macro-F1 only: watch the ECE row of the final table,
    since label smoothing and the focal term change the calibration.

    At the end three models with the same network, epochs and seed are
    compared: ``CNNClassifier`` with plain ``CrossEntropyLoss`` (untuned), the
    composite loss at its paper defaults (always the study's first trial) and
    the best trial; on the development folds (where the best trial was
    selected, so its score there is optimistic) and, refit on all 9
    development subjects, on the 3 untouched test subjects. With one small
    network, one seed and 3 test subjects, differences of a few hundredths
    are noise.

Loss weights
    The three weights must be positive and sum to one. Suggesting two and
    deriving the third (``w_ce = 1 - w_sl - w_fl``) needs a range that
    depends on the other suggestions, a dynamic search space that TPE models
    poorly. Instead ``raw_weight_sl``, ``raw_weight_fl`` and ``raw_weight_ce``
    are suggested independently in [0.05, 1] and divided by their sum: the
    stored parameters are the raw values; the weights the classifier used are
    the trial's ``loss_weights`` user attribute (and ``main``'s
    ``best_params``). The scale of the raw triple is redundant; TPE does not
    mind. The weights are the first epoch's and the prior ``w0`` of
    ``AdaptiveLossWeights(mode="bounded")``, which then keeps them in [0.1, 0.8].

Run (from the repository root or anywhere; the database goes to the current directory)
    python examples/tune_loss_optuna.py                  # 14 trials, < 2 min on 2 cores
    python examples/tune_loss_optuna.py --n-trials 100 --timeout 1800
    python examples/tune_loss_optuna.py --help

Resume
    The study ``--study-name`` (default ``cnn_loss_weights``) lives in
    ``--storage`` (default ``sqlite:///optuna_har.db``). Running the script
    again adds ``--n-trials`` more trials to the same study
    (``optuna.create_study(load_if_exists=True)``, the default ``--resume``):
    the sampler learns from all earlier trials and the final comparison uses
    the best of all of them. ``--no-resume`` refuses to touch an existing
    study. A study remembers the data it was run on (``--seed``,
    ``--n-windows``); resuming with other values is an error, since the scores
    would not be comparable. The TPE seed defaults to ``--seed`` plus the
    number of trials already stored, so a resumed run does not redraw the
    first run's random points. Look at a study with Optuna's CLI (``optuna
    trials --study-name cnn_loss_weights --storage sqlite:///optuna_har.db``)
    or ``optuna-dashboard sqlite:///optuna_har.db``.

Many workers
    Optuna's own mechanism, nothing in this script: start the same command in
    several processes or on several machines, all pointing at one database
    server, e.g. ``--storage postgresql://user:password@host/dbname`` (needs
    a driver such as ``psycopg2``; SQLite suits one process, not concurrent
    writers; on one machine Optuna's ``JournalStorage`` is the server-less
    alternative). Each worker reads the trials so far from the storage and
    adds ``--n-trials`` of its own (in Optuna 5, TPE's default
    ``constant_liar=True`` keeps workers from piling onto one point). Give
    workers started together different ``--sampler-seed`` values, or they
    draw the same first points. A crashed worker leaves its trial RUNNING;
    ``main(storage=optuna.storages.RDBStorage(url, heartbeat_interval=60))``
    has Optuna mark such trials failed.

Threads
    One torch thread per process (``--threads 1``) is the default: on these
    small networks a second thread is about 1.4x faster when both cores are
    idle, but multi-threaded torch slowed down 5 to 10 times when other
    processes competed for the cores. Use more cores by running more workers
    (above); on an idle machine ``--threads 2`` is faster.
"""

import argparse
import time

import numpy as np
import optuna
import torch
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

from sklearn_har.callbacks import AdaptiveLossWeights
from sklearn_har.classifiers import CNNClassifier, NonFiniteLossError
from sklearn_har.datasets import make_har_windows
from sklearn_har.metrics import g_mean, har_report
from sklearn_har.nn import SmoothFocalCELoss

# Optuna parameter name -> (low, high, log). All but the raw weights are
# set_params names of the classifier.
SEARCH_SPACE = {
    "raw_weight_sl": (0.05, 1.0, False),
    "raw_weight_fl": (0.05, 1.0, False),
    "raw_weight_ce": (0.05, 1.0, False),
    "callbacks__adaptive_loss__tau": (0.0, 1.0, False),
    "callbacks__adaptive_loss__temperature": (0.1, 10.0, True),
    "criterion__gamma": (0.0, 3.0, False),
    "criterion__epsilon": (0.0, 0.3, False),
}
# SmoothFocalCELoss's and AdaptiveLossWeights's defaults (the paper's best
# settings), enqueued as the first trial of every study.
DEFAULT_PARAMS = {
    "raw_weight_sl": 0.33,
    "raw_weight_fl": 0.33,
    "raw_weight_ce": 0.34,
    "callbacks__adaptive_loss__tau": 0.5,
    "callbacks__adaptive_loss__temperature": 1.0,
    "criterion__gamma": 1.0,
    "criterion__epsilon": 0.1,
}
# The same network and training for every model, tuned or not; only the loss differs.
NET_PARAMS = {
    "module__channels": (32, 32),
    "max_epochs": 12,
    "batch_size": 64,
    "lr": 3e-3,
    "verbose": 0,
}
N_CLASSES, N_CHANNELS, N_SUBJECTS, N_TEST_SUBJECTS = 6, 6, 12, 3
IMBALANCE, DIFFICULTY, N_FOLDS = 8.0, 0.3, 3


class StudyDataMismatch(ValueError):
    """The stored study was run on other data (seed or number of windows)."""


def make_data(n_windows, seed):
    """Imbalanced windows, and the development / test subjects."""
    weights = IMBALANCE ** (-np.arange(N_CLASSES) / (N_CLASSES - 1))
    X, y, groups = make_har_windows(
        n_windows, N_CLASSES, n_channels=N_CHANNELS, weights=weights,
        difficulty=DIFFICULTY, n_groups=N_SUBJECTS, random_state=seed,
    )
    splitter = GroupShuffleSplit(n_splits=1, test_size=N_TEST_SUBJECTS, random_state=seed)
    dev, test = next(splitter.split(X, y, groups))
    return X, y, groups, dev, test


def composite_classifier(seed):
    """The template every trial clones: CNN + SmoothFocalCELoss + adaptive weights."""
    return CNNClassifier(
        criterion=SmoothFocalCELoss,
        callbacks=[("adaptive_loss", AdaptiveLossWeights(mode="bounded"))],
        random_state=seed,
        **NET_PARAMS,
    )


def to_set_params(params):
    """Optuna parameters -> ``set_params`` keywords (the raw weights normalised)."""
    raw = {k: params[f"raw_weight_{k}"] for k in ("sl", "fl", "ce")}
    total = sum(raw.values())
    kwargs = {f"criterion__weight_{k}": v / total for k, v in raw.items()}
    kwargs.update({k: v for k, v in params.items() if not k.startswith("raw_weight_")})
    return kwargs


def suggest(trial):
    return {name: trial.suggest_float(name, low, high, log=log)
            for name, (low, high, log) in SEARCH_SPACE.items()}


def cross_validate(estimator, X, y, groups, folds, trial=None):
    """Mean macro-F1 / G-mean / accuracy over ``folds``; reports to and may prune ``trial``."""
    scores = {"f1_macro": [], "g_mean": [], "accuracy": []}
    for k, (train, valid) in enumerate(folds):
        model = clone(estimator).fit(X[train], y[train], groups=groups[train])
        pred, labels = model.predict(X[valid]), model.classes_
        scores["f1_macro"].append(
            float(f1_score(y[valid], pred, labels=labels, average="macro", zero_division=0)))
        scores["g_mean"].append(g_mean(y[valid], pred, labels=labels))
        scores["accuracy"].append(float(accuracy_score(y[valid], pred)))
        if trial is not None:
            trial.report(float(np.mean(scores["f1_macro"])), step=k)
            if trial.should_prune():
                raise optuna.TrialPruned(f"after fold {k}")
    return {name: float(np.mean(values)) for name, values in scores.items()}


def _print_trial(study, trial):
    p, a = trial.params, trial.user_attrs
    w = to_set_params(p)
    cells = (f"{w['criterion__weight_sl']:.2f}/{w['criterion__weight_fl']:.2f}/"
             f"{w['criterion__weight_ce']:.2f}  {p['callbacks__adaptive_loss__tau']:4.2f}  "
             f"{p['callbacks__adaptive_loss__temperature']:5.2f}  "
             f"{p['criterion__gamma']:4.2f}  {p['criterion__epsilon']:5.3f}")
    if trial.state == optuna.trial.TrialState.COMPLETE:
        note = "  paper defaults" if a.get("paper_defaults") else ""
        note += "  <- best" if study.best_trial.number == trial.number else ""
        print(f"{trial.number:5d}  {trial.value:.4f}  {a['g_mean']:.4f}  {cells}  "
              f"{a['seconds']:5.1f}{note}")
    elif trial.state == optuna.trial.TrialState.PRUNED:
        step = max(trial.intermediate_values)
        print(f"{trial.number:5d}  pruned after fold {step} "
              f"(F1 {trial.intermediate_values[step]:.4f})  {cells}")
    else:
        print(f"{trial.number:5d}  {trial.state.name}  {cells}")


def main(n_trials=14, storage="sqlite:///optuna_har.db", study_name="cnn_loss_weights",
         timeout=None, seed=0, n_windows=1200, *, resume=True, sampler_seed=None,
         threads=1, compare=True):
    """Run (or resume) the study; compare its best trial with the untuned models.

    Parameters
    ----------
    n_trials : int
        Trials this call adds to the study (Optuna's ``n_trials``).
    storage : str
        SQLAlchemy URL of the study's database.
    study_name : str
    timeout : float or None
        Start no new trial after this many seconds.
    seed : int
        Seed of the data, the subject split and the networks.
    n_windows : int
        Windows generated (all 12 subjects).
    resume : bool
        ``load_if_exists`` of ``optuna.create_study``.
    sampler_seed : int or None
        Seed of the TPE sampler; None: ``seed`` plus the number of trials
        already in the study.
    threads : int
        ``torch.set_num_threads`` during the call.
    compare : bool
        Fit and print the final comparison.

    Returns
    -------
    result : dict
        ``"study"``, ``"best_params"`` (``set_params`` keywords, weights
        normalised), ``"best_value"``, and with ``compare`` ``"cv"`` and
        ``"test"`` (model name -> scores).
    """
    previous = torch.get_num_threads(), optuna.logging.get_verbosity()
    torch.set_num_threads(threads)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        return _run(n_trials, storage, study_name, timeout, seed, n_windows, resume,
                    sampler_seed, compare)
    finally:
        torch.set_num_threads(previous[0])
        optuna.logging.set_verbosity(previous[1])


def _run(n_trials, storage, study_name, timeout, seed, n_windows, resume, sampler_seed,
         compare):
    t0 = time.perf_counter()
    X, y, groups, dev, test = make_data(n_windows, seed)
    folds = [(dev[tr], dev[va]) for tr, va in
             GroupKFold(N_FOLDS).split(X[dev], y[dev], groups[dev])]
    print(f"{n_windows} windows of shape {X.shape[1:]}, windows per class "
          f"{np.bincount(y).tolist()}; torch threads {torch.get_num_threads()}")
    print(f"development subjects {np.unique(groups[dev]).tolist()} "
          f"(GroupKFold({N_FOLDS})), test subjects {np.unique(groups[test]).tolist()}")

    data_key = {"seed": seed, "n_windows": n_windows}
    try:
        study = optuna.create_study(
            storage=storage, study_name=study_name, direction="maximize",
            load_if_exists=resume,
            pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1),
        )
    except optuna.exceptions.DuplicatedStudyError:
        raise SystemExit(f"study {study_name!r} already exists in {storage}; resume it "
                         "(--resume), or choose another --study-name") from None
    if "data" not in study.user_attrs:
        study.set_user_attr("data", data_key)
    elif study.user_attrs["data"] != data_key:
        raise StudyDataMismatch(f"study {study_name!r} was run on the data {study.user_attrs['data']}, "
                         f"not {data_key}: its scores are not comparable. Use the same "
                         "--seed and --n-windows, or another --study-name.")
    n_before = len(study.trials)
    if sampler_seed is None:
        sampler_seed = seed + n_before
    # 6 random trials (the first is the defaults) instead of TPE's default 10,
    # so that a 14-trial run has TPE trials at all.
    study.sampler = optuna.samplers.TPESampler(seed=sampler_seed, n_startup_trials=6)
    study.enqueue_trial(DEFAULT_PARAMS, user_attrs={"paper_defaults": True},
                        skip_if_exists=True)
    print(f"study {study_name!r} in {storage}: {n_before} trials before this run, "
          f"TPE seed {sampler_seed}")

    template = composite_classifier(seed)

    def objective(trial):
        params = to_set_params(suggest(trial))
        trial.set_user_attr("loss_weights", {k: round(params[f"criterion__weight_{k}"], 4)
                                             for k in ("sl", "fl", "ce")})
        estimator = clone(template).set_params(**params)
        start = time.perf_counter()
        scores = cross_validate(estimator, X, y, groups, folds, trial)
        trial.set_user_attr("seconds", round(time.perf_counter() - start, 2))
        trial.set_user_attr("g_mean", scores["g_mean"])
        trial.set_user_attr("accuracy", scores["accuracy"])
        return scores["f1_macro"]

    print("trial  cv-F1   G-mean  w sl/fl/ce        tau      T  gamma    eps    sec")
    study.optimize(objective, n_trials=n_trials, timeout=timeout, callbacks=[_print_trial],
                   catch=(NonFiniteLossError,))

    states = optuna.trial.TrialState
    complete = study.get_trials(deepcopy=False, states=(states.COMPLETE,))
    pruned = study.get_trials(deepcopy=False, states=(states.PRUNED,))
    if not complete:
        print("no complete trial yet")
        return {"study": study, "best_params": None, "best_value": None}
    best = study.best_trial
    best_params = to_set_params(best.params)
    print(f"\n{len(study.trials)} trials in the study: {len(complete)} complete, "
          f"{len(pruned)} pruned")
    print(f"best trial #{best.number}: cv macro-F1 {best.value:.4f}, "
          f"G-mean {best.user_attrs['g_mean']:.4f}")
    print("best params: " + ", ".join(f"{k}={v:.4g}" for k, v in best_params.items()))
    result = {"study": study, "best_params": best_params, "best_value": best.value}
    if not compare:
        print(f"done in {time.perf_counter() - t0:.1f} s")
        return result

    ce, defaults, tuned = "CE untuned", "composite defaults", f"composite #{best.number}"
    models = {
        ce: CNNClassifier(random_state=seed, **NET_PARAMS),
        defaults: clone(template).set_params(**to_set_params(DEFAULT_PARAMS)),
        tuned: clone(template).set_params(**best_params),
    }
    # development folds: the trials' scores are reused, only the CE model is fit
    cv = {ce: cross_validate(models[ce], X, y, groups, folds)}
    default_trials = [t for t in complete if t.user_attrs.get("paper_defaults")]
    for name, trial in ((defaults, default_trials[0] if default_trials else None),
                        (tuned, best)):
        if trial is not None:
            cv[name] = {"f1_macro": trial.value, **{k: trial.user_attrs[k]
                                                     for k in ("g_mean", "accuracy")}}
    test_scores = {}
    for name, model in models.items():
        model.fit(X[dev], y[dev], groups=groups[dev])
        test_scores[name] = har_report(y[test], model.predict(X[test]),
                                       model.predict_proba(X[test]), labels=model.classes_)

    names, width = list(models), 22
    header = f"{'':18s}" + "".join(f"{n:>{width}s}" for n in names)
    print(f"\nGroupKFold({N_FOLDS}) over the development subjects (the search maximised "
          "this; the best trial's score is optimistic):")
    print(header)
    for metric in ("f1_macro", "g_mean", "accuracy"):
        print(f"{metric:18s}" + "".join(
            f"{cv[n][metric]:>{width}.4f}" if n in cv else f"{'-':>{width}s}" for n in names))
    print(f"\ntest subjects {np.unique(groups[test]).tolist()} (never seen by the search; "
          "each model refit on all development subjects):")
    print(header)
    for metric in ("f1_macro", "g_mean", "balanced_accuracy", "accuracy", "roc_auc_ovr", "ece"):
        print(f"{metric:18s}" + "".join(f"{test_scores[n][metric]:>{width}.4f}" for n in names))
    gain = test_scores[tuned]["f1_macro"] - test_scores[ce]["f1_macro"]
    print(f"\ntest macro-F1, tuned composite loss minus untuned CE: {gain:+.4f} "
          "(one seed, 3 test subjects: a few hundredths either way is noise)")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    result.update(cv=cv, test=test_scores)
    return result


def _cli(argv=None):
    parser = argparse.ArgumentParser(
        description="Tune SmoothFocalCELoss / AdaptiveLossWeights of CNNClassifier with "
                    "Optuna TPE; see the module docstring.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--n-trials", type=int, default=14,
                        help="trials this run adds to the study")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds after which no new trial starts")
    parser.add_argument("--storage", default="sqlite:///optuna_har.db",
                        help="SQLAlchemy URL: sqlite:///file.db (relative to the current "
                             "directory), or postgresql://user:pw@host/db for many workers")
    parser.add_argument("--study-name", default="cnn_loss_weights")
    parser.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                        help="add trials to an existing study of that name "
                             "(load_if_exists=True); --no-resume refuses to")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the data, the split and the networks (stored with "
                             "the study)")
    parser.add_argument("--n-windows", type=int, default=1200,
                        help="windows generated (stored with the study)")
    parser.add_argument("--sampler-seed", type=int, default=None,
                        help="TPE seed; default: --seed plus the trials already stored")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads of this process")
    parser.add_argument("--no-compare", dest="compare", action="store_false",
                        help="skip the final refits and comparison")
    args = parser.parse_args(argv)
    try:
        main(args.n_trials, args.storage, args.study_name, args.timeout, args.seed,
             args.n_windows, resume=args.resume, sampler_seed=args.sampler_seed,
             threads=args.threads, compare=args.compare)
    except StudyDataMismatch as exc:
        parser.exit(2, f"error: {exc}\n")


if __name__ == "__main__":
    _cli()
