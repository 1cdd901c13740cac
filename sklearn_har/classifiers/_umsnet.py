"""UMSNetClassifier: seed 004's lightweight sensor residual network with a Transformer."""

from ..nn.models import UMSNet
from ..utils._docstring import fill_doc
from ._base import NeuralWindowClassifier

__all__ = ["UMSNetClassifier"]


@fill_doc
class UMSNetClassifier(NeuralWindowClassifier):
    """UMSNet (seed 004): single- and multi-sensor LSR modules, then a Transformer over
    time slices.

    The network (:class:`~sklearn_har.nn.models.UMSNet`) cuts each window into
    ``module__n_slices`` slices (the paper's ``K``: 6, 12 or 24; default: the largest
    divisor of the window length up to 8; it must divide
    the window length, and an error lists the counts that do), extracts each
    sensor's features per slice with lightweight sensor residual (LSR) blocks
    (depthwise convolution, one norm, an inverted bottleneck with one GELU,
    LayerScale, stochastic depth), fuses the sensors per slice with more LSR
    blocks, and runs a Transformer encoder with a [class] token and learned
    positions over the slices. Variants of Table 1 as ``module__variant``:
    ``"A"`` (LSR depths 2-2-2-2 in both modules, 3 Transformer layers; 1.92 M
    parameters on two 3-axis sensors), ``"B"`` (2-2-6-2, 6 layers; 3.46 M),
    ``"C"`` (2-2-18-2, 6 layers; 4.07 M), every depth still settable
    (``module__sensor_depths``, ``module__fusion_depths``,
    ``module__transformer_depth``).

    Sensors: ``module__sensor_groups``, the channels of each sensor in channel
    order (``(3, 3, 3)`` for UCI-HAR's body_acc / body_gyro / total_acc);
    by default one sensor per 3 channels. Also ``module__sensor_width``,
    ``module__fusion_width``, ``module__dim``, ``module__heads``,
    ``module__drop_path_rate`` (0.1), ``module__layer_scale_init`` (1e-6),
    ``module__dropout``. The network is built for the window length seen at
    ``fit`` (its position embedding has one entry per slice); ``predict``
    refuses windows of another length.

    Training: the library's defaults (cross-entropy, AdamW at lr 1e-3, batch
    64, early stopping); the paper gives no optimiser settings. Where we
    depart from the paper and why: user guide, section "UMSNetClassifier".

    Parameters
    ----------
    module : class, default=UMSNet
    {params: *}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> from sklearn_har.classifiers import UMSNetClassifier
    >>> from sklearn_har.datasets import make_har_windows
    >>> X, y, groups = make_har_windows(n_windows=200, n_channels=6, n_timesteps=48,
    ...                                 random_state=0)
    >>> clf = UMSNetClassifier(module__n_slices=6, module__sensor_depths=(1, 1),
    ...                        module__fusion_depths=(1, 1), module__dim=24,
    ...                        max_epochs=2, verbose=0, random_state=0)
    >>> clf.fit(X, y, groups=groups).predict(X[:3]).shape
    (3,)
    """

    def __init__(self, module=UMSNet, **kwargs):
        super().__init__(module, **kwargs)
