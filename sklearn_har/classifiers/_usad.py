"""USADClassifier: seed 000's multi-branch spatio-temporal attention network and recipe."""

from typing import ClassVar

from ..callbacks import AdaptiveLossWeights
from ..nn.losses import SmoothFocalCELoss
from ..nn.models import USADNet
from ..utils._docstring import fill_doc
from ._base import NeuralWindowClassifier
from ._pretrain import SyntheticPretrainingMixin

__all__ = ["USADClassifier"]


@fill_doc
class USADClassifier(SyntheticPretrainingMixin, NeuralWindowClassifier):
    """USAD (seed 000 sec. 3.2-3.3): split attention with spatio-temporal attention.

    The network (:class:`~sklearn_har.nn.models.USADNet`): a stem, stages of
    parallel branches with kernels 3 / 5 / 7 whose residual blocks make
    ``K * R`` feature groups, apply spatial attention, sum the splits with
    split attention (cardinality ``K``, radix ``R``) and apply temporal
    attention, then cross-branch fusion, global pooling and a linear head.
    The default preset has 350 k parameters on WISDM's 3 channels (seed 000
    Table 4: 347 k). Every network setting is a ``module__*`` parameter:
    ``module__preset`` (``"small"`` 53 k, ``"base"``, ``"large"`` 1.39 M),
    ``module__widths``, ``module__depths``, ``module__kernels``,
    ``module__cardinality``, ``module__radix``, and the ablation switches of
    Table 1, ``module__spatial_attention`` and ``module__temporal_attention``
    (both False: "backbone only").

    The training recipe of the paper is the default: the compound loss
    :class:`~sklearn_har.nn.SmoothFocalCELoss` (label smoothing + focal +
    cross-entropy, appendix C's values) whose weights
    :class:`~sklearn_har.callbacks.AdaptiveLossWeights` adapts every epoch
    (eq. 27, bounded as in appendix C), present as the callback
    ``adaptive_loss`` (tune it as ``callbacks__adaptive_loss__tau``,
    ``callbacks__adaptive_loss__temperature``, ...); AdamW. With the adaptive
    loss, early stopping watches ``valid_loss_fixed``, the validation loss
    under the initial weights (the weighted ``valid_loss`` moves when the
    weights do). ``adaptive_loss=False`` trains the fixed compound loss
    (Table 1's "Compound Loss" row). ``augmenter=DiffusionAugmenter(...)``
    adds the diffusion pre-training of eq. 16-18 ("Data Augmentation" row).

    The paper trains WISDM at batch 512, lr 5e-3 for 50 epochs and PAMAP2
    at batch 256, lr 5e-4 for 70 epochs (appendix A.1); the defaults here
    are the library's (batch 64, lr 1e-3, at most 60 epochs with early
    stopping), which the benchmark (``benchmarks/bench_models.py``) uses on
    every dataset. Where we depart from the paper and why: user guide,
    section "USADClassifier".

    Parameters
    ----------
    module : class, default=USADNet
    criterion : class or instance, default=SmoothFocalCELoss
        The compound loss (eq. 26).
    adaptive_loss : bool, default=True
        Add :class:`~sklearn_har.callbacks.AdaptiveLossWeights` as the
        default callback ``adaptive_loss`` (needs a composite criterion).
    {params: augmenter, synthetic_per_class, pretrain_epochs}
    {params: *, -criterion}

    Attributes
    ----------
    {fitted_attributes}
    augmenter_ : estimator
        The fitted augmenter (only when ``augmenter`` is set).
    pretrain_epochs_ : int
        Epochs of the synthetic pre-training (only when ``augmenter`` is set).

    Examples
    --------
    >>> from sklearn_har.classifiers import USADClassifier
    >>> from sklearn_har.datasets import make_har_windows
    >>> X, y, groups = make_har_windows(n_windows=200, n_timesteps=32, random_state=0)
    >>> clf = USADClassifier(module__preset="small", max_epochs=3, verbose=0,
    ...                      random_state=0).fit(X, y, groups=groups)
    >>> clf.predict(X[:3]).shape
    (3,)
    >>> sorted(k for k in clf.history[-1] if k.startswith("loss_weight_"))
    ['loss_weight_ce', 'loss_weight_fl', 'loss_weight_sl']
    """

    _parameter_constraints: ClassVar[dict] = {
        **NeuralWindowClassifier._parameter_constraints,
        **SyntheticPretrainingMixin._pretrain_constraints,
        "adaptive_loss": ["boolean"],
    }

    def __init__(self, module=USADNet, *, criterion=SmoothFocalCELoss, adaptive_loss=True,
                 augmenter=None, synthetic_per_class="auto", pretrain_epochs=None, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)
        self.adaptive_loss = adaptive_loss
        self.augmenter = augmenter
        self.synthetic_per_class = synthetic_per_class
        self.pretrain_epochs = pretrain_epochs

    @property
    def _early_stopping_monitor(self):
        return "valid_loss_fixed" if self.adaptive_loss is True else "valid_loss"

    @property
    def _default_callbacks(self):
        callbacks = super()._default_callbacks
        if self.adaptive_loss is True:
            # before print_log, so that the epoch table shows the weights
            at = [name for name, _ in callbacks].index("print_log")
            callbacks.insert(at, ("adaptive_loss", AdaptiveLossWeights()))
        return callbacks
