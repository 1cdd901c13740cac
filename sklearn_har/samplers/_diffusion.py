"""DiffusionAugmenter: statistics-guided, label-conditioned DDPM oversampling."""

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from imblearn.utils import check_sampling_strategy
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..exceptions import FewSamplesWarning
from ..nn.diffusion import (
    ClassifierFreeGuidance,
    CosineSchedule,
    draw_statistics,
    generate_windows,
    impose_statistics,
    train_denoiser,
)
from ..utils._docstring import fill_doc
from ..utils._progress import progress_bar, show_progress
from ..utils._torch import resolve_device, seed_from_random_state
from ..utils.validation import check_labels_present
from .base import BaseWindowSampler

__all__ = ["DiffusionAugmenter"]

MIN_CLASS_WINDOWS = 10  # below: FewSamplesWarning for a class to oversample
_X0_CLIP = 6.0  # standardised data: predicted clean windows are clipped to +-6 std


@fill_doc
class DiffusionAugmenter(BaseWindowSampler):
    """Oversample windows with a statistics-guided, label-conditioned DDPM (seed 000 sec. 3.1).

    ``fit_resample(X, y)`` trains a diffusion model on the windows and returns
    them followed by synthetic windows of the classes to oversample. In a
    :class:`sklearn_har.Pipeline` it runs in ``fit`` only, as every
    imbalanced-learn sampler.

    The model is :mod:`sklearn_har.nn.diffusion` (plain PyTorch): windows
    standardised per channel and described by their mean, standard deviation
    and skewness and the class's mean z-scored sequence (eq. 1-4), a 1-D AdaGN
    denoiser (eq. 8-10), the cosine schedule of eq. 6-7 and the eq. 12 loss
    weights (clipped), weights averaged by EMA for sampling. Where the paper
    leaves a gap (eq. 3 conditioned on the window's own z-sequence would let
    the model ignore the noise), the z rows always hold the class prototype
    and the statistics come from ``guidance``: ``"empirical"`` (default)
    draws them from a random training window of the class, ``"prototype"``
    uses the class means (the paper's eq. 4). The user guide, section
    "DiffusionAugmenter", says why and what was measured.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        imbalanced-learn's semantics: ``"auto"`` brings every class but the
        majority up to the majority count. Ignored when ``synthetic_ratio``
        is set.
    synthetic_ratio : float or None, default=None
        Instead of balancing, add ``round(synthetic_ratio * n_c)`` synthetic
        windows to every class ``c`` (e.g. 0.25 for the 1:4 synthetic:real
        blend that seed 000's ref. [9] found useful).
    n_steps : int, default=1000
        Diffusion steps ``T``.
    sampler : {"ddim", "ddpm"}, default="ddim"
        ``"ddpm"``: ancestral sampling over all ``n_steps`` steps (seed 000);
        ``"ddim"``: DDIM over ``sampling_steps`` steps, much faster, same
        model; deterministic unless ``ddim_eta > 0``.
    sampling_steps : int, default=50
        Steps of the DDIM sampler.
    ddim_eta : float in [0, 1], default=0.0
        Fresh noise added at every DDIM jump (Song et al.'s eta): 0 is the
        deterministic sampler, 1 the ancestral one restricted to
        ``sampling_steps`` steps (with all ``n_steps`` steps it is DDPM).
        Same cost; 1 gives windows as smooth as DDPM's (measured in the
        user guide).
    guidance : {"empirical", "prototype"}, default="empirical"
        Where the statistics of a synthetic window come from (see above).
    guidance_scale : float, default=0.0
        Classifier-free guidance weight ``w`` (Ho & Salimans 2022):
        ``eps = eps(f, y) + w (eps(f, y) - eps(f_0, 0))``, where the second
        term sees neither the label nor the class prototype, only the
        window's statistics. 0 samples the conditional model as is; larger
        values give windows more typical of their class and less varied, at
        twice the cost per step. Needs ``class_dropout > 0``.
    class_dropout : float, default=0.1
        Share of training windows shown without their class (label replaced
        by a "no class" token, prototype rows zeroed), so that the same model
        learns the unconditional branch that ``guidance_scale`` uses.
    match_statistics : bool, default=True
        Rescale every synthetic window, per channel, to exactly the mean and
        standard deviation it was conditioned on (``x = mu + sigma z``, eq. 2
        inverted, applied to the generated shape). The denoiser follows its
        statistics only approximately (class means measured up to 0.9 real
        standard deviations off); with this, the statistics of the synthetic
        windows are those of ``guidance``, and the model supplies the shape.
    width : int, default=64
        Channels of the denoiser.
    depth : int, default=4
        Residual AdaGN blocks.
    max_iter : int, default=2000
        Optimizer steps of the training.
    batch_size : int, default=64
    lr : float, default=1e-3
        AdamW learning rate (cosine-decayed to 10 % over ``max_iter``).
    ema_decay : float, default=0.999
        Decay of the weight average used for sampling (0 disables it).
    loss_weighting : {"eq12", "none"}, default="eq12"
    device : "auto", str or torch.device, default="auto"
        ``"auto"``: CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the training batches and noise, and the
        sampling noise: with an int, the same synthetic windows on CPU.
    {params: check_axes}
    verbose : "auto" or int, default="auto"
        Progress bars for training and sampling and a summary line: ``"auto"``
        shows them when standard error is a terminal (interactive use), 1
        always, 0 never.

    Warns
    -----
    FewSamplesWarning
        When a class to oversample has fewer than ``MIN_CLASS_WINDOWS`` (10)
        windows: its synthetic windows can only vary around those few (a class
        of one window would give dozens of copies of one shape). The class is
        still oversampled as asked; lower ``sampling_strategy`` for it or
        collect more windows.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    sampling_strategy_ : dict
        Synthetic windows to generate per class in the last ``fit_resample``.
    n_synthetic_ : dict
        Synthetic windows returned per class by the last ``fit_resample``.
    model_ : Denoiser1D
        The trained denoiser (EMA weights), on ``device_``.
    schedule_ : CosineSchedule
    channel_mean_, channel_std_ : ndarray of shape (n_channels,)
        Standardisation of the training windows.
    prototypes_ : ndarray of shape (n_classes, n_channels, 3 + n_timesteps)
        Eq. 4 per class: mean statistics (mu, sigma, gamma) and mean z-sequence.
    loss_curve_ : list of float
        Mean training loss of every 50 optimizer steps.
    fit_time_ : float
        Seconds spent training.
    n_channels_in_, n_timesteps_in_, n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_har.datasets import make_har_windows
    >>> from sklearn_har.samplers import DiffusionAugmenter
    >>> X, y, _ = make_har_windows(n_windows=120, n_classes=3, n_timesteps=32,
    ...                            weights=[0.6, 0.3, 0.1], random_state=0)
    >>> aug = DiffusionAugmenter(width=16, depth=2, max_iter=30, n_steps=100,
    ...                          sampling_steps=10, random_state=0)
    >>> X_res, y_res = aug.fit_resample(X, y)
    >>> np.bincount(y).tolist(), np.bincount(y_res).tolist()
    ([72, 36, 12], [72, 72, 72])
    >>> aug.sample(2)[0].shape
    (6, 3, 32)
    """

    _sampling_type = "over-sampling"

    _parameter_constraints: ClassVar[dict] = {
        **BaseWindowSampler._parameter_constraints,
        "synthetic_ratio": [Interval(Real, 0, None, closed="neither"), None],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "sampler": [StrOptions({"ddim", "ddpm"})],
        "sampling_steps": [Interval(Integral, 1, None, closed="left")],
        "ddim_eta": [Interval(Real, 0, 1, closed="both")],
        "guidance": [StrOptions({"empirical", "prototype"})],
        "guidance_scale": [Interval(Real, 0, None, closed="left")],
        "class_dropout": [Interval(Real, 0, 1, closed="left")],
        "match_statistics": ["boolean"],
        "width": [Interval(Integral, 1, None, closed="left")],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "ema_decay": [Interval(Real, 0, 1, closed="left")],
        "loss_weighting": [StrOptions({"eq12", "none"})],
        "device": "no_validation",
        "random_state": ["random_state"],
        "check_axes": ["boolean"],
        "verbose": [StrOptions({"auto"}), "verbose"],
    }

    def __init__(
        self,
        sampling_strategy="auto",
        *,
        synthetic_ratio=None,
        n_steps=1000,
        sampler="ddim",
        sampling_steps=50,
        ddim_eta=0.0,
        guidance="empirical",
        guidance_scale=0.0,
        class_dropout=0.1,
        match_statistics=True,
        width=64,
        depth=4,
        max_iter=2000,
        batch_size=64,
        lr=1e-3,
        ema_decay=0.999,
        loss_weighting="eq12",
        device="auto",
        random_state=None,
        check_axes=True,
        verbose="auto",
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.synthetic_ratio = synthetic_ratio
        self.n_steps = n_steps
        self.sampler = sampler
        self.sampling_steps = sampling_steps
        self.ddim_eta = ddim_eta
        self.guidance = guidance
        self.guidance_scale = guidance_scale
        self.class_dropout = class_dropout
        self.match_statistics = match_statistics
        self.width = width
        self.depth = depth
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.lr = lr
        self.ema_decay = ema_decay
        self.loss_weighting = loss_weighting
        self.device = device
        self.random_state = random_state
        self.check_axes = check_axes
        self.verbose = verbose

    def _check_params(self, caller=None, **overrides):
        """What the declarative constraints cannot say: no bool for a float, two parameters together.

        With ``overrides`` (keyword arguments of ``sample``), those are checked
        against the same constraints, in the name of ``caller``.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        name = type(self).__name__ + (f".{caller}" if caller else "")
        validate_parameter_constraints(
            {k: self._parameter_constraints[k] for k in given if k != "n_per_class"}
            | {"n_per_class": [Interval(Integral, 0, None, closed="left"), dict]},
            given, caller_name=name)
        params = {**self.get_params(), **given}
        for key in ("ddim_eta", "guidance_scale", "n_per_class"):
            if isinstance(params.get(key), (bool, np.bool_)):
                raise InvalidParameterError(
                    f"The {key!r} parameter of {name} must be a number, not a bool. "
                    f"Got {params[key]!r} instead.")
        if params["guidance_scale"] > 0 and self.class_dropout == 0:
            raise ValueError(
                f"guidance_scale={params['guidance_scale']!r} needs a model trained with "
                "class_dropout > 0 (the unconditional branch), not one trained with class_dropout=0."
            )

    def _strategy(self, y):
        if self.synthetic_ratio is not None:
            labels, counts = np.unique(y, return_counts=True)
            return {
                label: int(round(self.synthetic_ratio * count))
                for label, count in zip(labels.tolist(), counts.tolist())
            }
        return dict(check_sampling_strategy(self.sampling_strategy, y, self._sampling_type))

    def fit(self, X, y):
        """Train the diffusion model on windows ``X`` with labels ``y``.

        Returns
        -------
        self
        """
        self._validate_params()
        self._check_params()
        check_labels_present(y)
        check_classification_targets(y)
        Xw, y, _ = self._check_X_y(X, y)
        self.sampling_strategy_ = self._strategy(y)
        self._warn_few_windows(y)
        self._train(Xw, y)
        return self

    def _train(self, Xw, y):
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        self.device_ = device = torch.device(resolve_device(self.device))
        seed = seed_from_random_state(self.random_state)
        gen = torch.Generator().manual_seed(seed)
        self._sample_seed = int(torch.randint(0, 2**62, (1,), generator=gen))

        mean = Xw.mean(axis=(0, 2))
        std = Xw.std(axis=(0, 2))
        std = np.where(std > 1e-8, std, 1.0)
        self.channel_mean_, self.channel_std_ = mean.astype(np.float64), std.astype(np.float64)
        Xs = torch.from_numpy(((Xw - mean[None, :, None]) / std[None, :, None]).astype(np.float32))
        yt = torch.from_numpy(y_enc.astype(np.int64))

        self.schedule_ = CosineSchedule(int(self.n_steps))
        trained = train_denoiser(
            Xs, yt, len(self.classes_), self.schedule_, generator=gen, seed=seed,
            width=int(self.width), depth=int(self.depth), max_iter=int(self.max_iter),
            batch_size=int(self.batch_size), lr=self.lr, ema_decay=self.ema_decay,
            class_dropout=self.class_dropout, weighted=self.loss_weighting == "eq12",
            device=device,
            progress=progress_bar(show_progress(self.verbose), "diffusion training",
                                  int(self.max_iter)),
        )
        self.prototypes_ = trained.prototypes.numpy()
        self._train_stats = [stats.numpy() for stats in trained.train_stats]
        self.loss_curve_ = trained.loss_curve
        self.fit_time_ = trained.fit_time
        self.model_ = trained.model
        if show_progress(self.verbose):
            print(
                f"[DiffusionAugmenter] trained {self.max_iter} steps in {self.fit_time_:.1f} s "
                f"on {device}; loss {self.loss_curve_[0]:.4f} -> {self.loss_curve_[-1]:.4f}"
            )

    def _generate(self, counts, generator, sampler=None, sampling_steps=None, guidance_scale=None,
                  ddim_eta=None, match_statistics=None, batch=1024):
        """Synthetic windows in the original units: counts is {class index: n}."""
        sampler = sampler or self.sampler
        sampling_steps = sampling_steps or self.sampling_steps
        eta = self.ddim_eta if ddim_eta is None else ddim_eta
        scale = self.guidance_scale if guidance_scale is None else guidance_scale
        model = self.model_
        if scale > 0:
            model = ClassifierFreeGuidance(model, scale, null_label=len(self.classes_))
        C, L = self.n_channels_in_, self.n_timesteps_in_
        labels = np.concatenate([np.full(n, k, dtype=np.int64) for k, n in counts.items() if n > 0] or
                                [np.zeros(0, dtype=np.int64)])
        if labels.size == 0:
            return np.zeros((0, C, L), dtype=np.float32), labels
        rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=generator)))
        stats = draw_statistics(labels, self.prototypes_, self._train_stats, self.guidance, rng)
        steps_total = self.schedule_.n_steps if sampler == "ddpm" else sampling_steps
        Xs = generate_windows(
            model, self.schedule_, stats, self.prototypes_[:, :, 3:], labels, (C, L),
            generator=generator, sampler=sampler, sampling_steps=sampling_steps, eta=eta,
            clip=_X0_CLIP, device=self.device_, batch=batch,
            progress=progress_bar(show_progress(self.verbose), f"diffusion sampling ({sampler})",
                                  steps_total))
        if self.match_statistics if match_statistics is None else match_statistics:
            Xs = impose_statistics(Xs, stats)
        X = Xs * self.channel_std_[None, :, None] + self.channel_mean_[None, :, None]
        return X.astype(np.float32), labels

    def sample(self, n_per_class, *, sampler=None, sampling_steps=None, guidance_scale=None,
               ddim_eta=None, match_statistics=None, random_state=None):
        """Draw synthetic windows from the trained model.

        For the seeds' recipe "pre-train on synthetic windows, fine-tune on
        real ones": ``X_syn, y_syn = aug.fit(X, y).sample(500)``, then
        ``clf.partial_fit(X_syn, y_syn)`` and ``clf.partial_fit(X, y)``.

        Parameters
        ----------
        n_per_class : int or dict
            The same number for every class, or ``{label: n}``.
        sampler, sampling_steps, guidance_scale, ddim_eta, match_statistics : optional
            Override the fitted settings (e.g. compare DDPM and DDIM, or the
            same draw with and without statistics matching: same
            ``random_state``, ``match_statistics=True`` / ``False``).
        random_state : int, default=None
            Seed of this draw; None continues from the estimator's seed
            (reproducible: two calls with the same ``random_state`` agree).

        Returns
        -------
        X_syn : ndarray of shape (n, n_channels, n_timesteps), float32
        y_syn : ndarray of shape (n,)
        """
        check_is_fitted(self, "model_")
        self._check_params("sample", n_per_class=n_per_class, sampler=sampler,
                           sampling_steps=sampling_steps, guidance_scale=guidance_scale,
                           ddim_eta=ddim_eta, match_statistics=match_statistics)
        classes = self.classes_.tolist()
        if isinstance(n_per_class, dict):
            unknown = [k for k in n_per_class if k not in set(classes)]
            if unknown:
                raise ValueError(f"n_per_class names label {unknown[0]!r}, which is not among "
                                 f"the classes {classes}.")
        else:
            n_per_class = dict.fromkeys(classes, n_per_class)
        counts = {i: int(n_per_class.get(c, 0)) for i, c in enumerate(classes)}
        seed = self._sample_seed if random_state is None else int(random_state)
        gen = torch.Generator().manual_seed(seed)
        X, labels = self._generate(counts, gen, sampler, sampling_steps, guidance_scale, ddim_eta,
                                   match_statistics)
        return X, self.classes_[labels]

    def fit_resample(self, X, y, **params):
        """Train on ``(X, y)`` and return them followed by synthetic windows.

        Returns
        -------
        X_resampled : ndarray of shape (n + n_synthetic, n_channels, n_timesteps)
            The input windows first, unchanged (float32), then the synthetic
            ones. 2-D input gives 2-D output, a DataFrame a DataFrame.
        y_resampled : ndarray of shape (n + n_synthetic,)
        """
        self._validate_params()
        self._check_params()
        return super().fit_resample(X, y, **params)

    def _warn_few_windows(self, y):
        labels, counts = np.unique(y, return_counts=True)
        few = [
            (label, int(count)) for label, count in zip(labels.tolist(), counts.tolist())
            if count < MIN_CLASS_WINDOWS and self.sampling_strategy_.get(label, 0) > 0
        ]
        if few:
            details = "; ".join(
                f"{self.sampling_strategy_[label]} synthetic window(s) of class "
                f"{label!r} from {count} real window(s)" for label, count in few
            )
            warnings.warn(
                f"{type(self).__name__} is asked for {details}. With fewer than "
                f"{MIN_CLASS_WINDOWS} windows the synthetic ones can only vary around "
                "those few. Collect more windows of the class, or lower "
                "sampling_strategy (or synthetic_ratio) for it.",
                FewSamplesWarning,
                stacklevel=4,
            )

    def _fit_resample(self, X, y):
        self.sampling_strategy_ = self._strategy(y)
        self._warn_few_windows(y)
        self._train(X, y)
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        counts = {index[c]: n for c, n in self.sampling_strategy_.items()}
        gen = torch.Generator().manual_seed(self._sample_seed)
        X_syn, labels = self._generate(counts, gen)
        self.n_synthetic_ = {c: int((labels == index[c]).sum()) for c in self.classes_.tolist()}
        X_out = np.concatenate([X, X_syn])
        y_out = np.concatenate([y, self.classes_[labels].astype(y.dtype, copy=False)])
        return self._restore_layout(X_out), y_out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
