"""MAGRes2NetClassifier: seed 002's gated Res2Net with ECA, center loss and AdamW / Lion."""

from numbers import Real
from typing import ClassVar

from ..nn.losses import CECenterLoss
from ..nn.models import MAGRes2Net
from ..utils._docstring import fill_doc
from ._base import NeuralWindowClassifier
from ._data import IntervalNotBool

__all__ = ["MAGRes2NetClassifier"]


@fill_doc
class MAGRes2NetClassifier(NeuralWindowClassifier):
    """MAG-Res2Net (seed 002): multiscale-attention gated Res2Net.

    The network (:class:`~sklearn_har.nn.models.MAGRes2Net`): a ResNet-50-style
    stack of 1-D Res2Net bottlenecks whose splits are chained by hierarchical
    3x1 convolutions, a tanh gate between the splits and ECA channel attention
    in every block. Presets of seed 002 Table 6 as ``module__preset``:
    ``"uci_har"`` (depths 3-4-6-3, 3.41 M parameters and 81 M MACs on
    UCI-HAR's 9 x 128 windows) and ``"wisdm"`` (3-4-5-1, 2.03 M and 59 M
    there; 2.03 M and 42 M on WISDM's 3 x 90). Every row of the paper's
    Table 8 is one ``set_params``: ``module__gated`` (Res2Net vs
    Gated-Res2Net), ``module__attention`` (``"eca"``, ``"se"`` or ``None``),
    ``criterion__center_weight`` (0: cross-entropy only), and
    :class:`~sklearn_har.samplers.BorderlineSMOTE` as a pipeline step.
    Other network settings: ``module__depths``, ``module__base_width``,
    ``module__width``, ``module__scale``, ``module__stem_width``,
    ``module__dropout``.

    The default recipe is the paper's UCI-HAR one (Table 6): cross-entropy
    plus center loss on the penultimate features
    (:class:`~sklearn_har.nn.CECenterLoss`, weight 0.0005), AdamW at lr 5e-3
    with batch 256, the class centres in their own optimizer group at
    ``center_lr`` (no weight decay). The paper's WISDM recipe is Lion at lr
    3e-3 with batch 2048: ``optimizer=sklearn_har.nn.Lion, lr=3e-3,
    batch_size=2048`` (``criterion__center_weight=0.0007``,
    ``module__preset="wisdm"``). Where we depart from the paper and why: user
    guide, section "MAGRes2NetClassifier".

    Parameters
    ----------
    module : class, default=MAGRes2Net
    criterion : class or instance, default=CECenterLoss
        Cross-entropy + ``center_weight`` x center loss; ``n_classes`` and
        ``n_features`` are filled from the data and the network.
    lr : float, default=5e-3
    batch_size : int, default=256
    center_lr : float or None, default=5e-3
        Learning rate of the center loss's class centres (seed 002 Table 6's
        "learning rate 2"), in their own optimizer group without weight
        decay. None: the centres are optimised like the network's weights.
        An ``optimizer__param_groups`` entry that matches them wins.
    {params: *, -criterion, -lr, -batch_size}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> from sklearn_har.classifiers import MAGRes2NetClassifier
    >>> from sklearn_har.datasets import make_har_windows
    >>> X, y, groups = make_har_windows(n_windows=200, n_timesteps=32, random_state=0)
    >>> clf = MAGRes2NetClassifier(module__depths=(1, 1), module__base_width=8,
    ...                            module__width=4, max_epochs=2, batch_size=32,
    ...                            verbose=0, random_state=0).fit(X, y, groups=groups)
    >>> clf.predict(X[:3]).shape
    (3,)
    >>> [g["lr"] for g in clf.optimizer_.param_groups]  # the centres, then the network
    [0.005, 0.005]
    """

    _parameter_constraints: ClassVar[dict] = {
        **NeuralWindowClassifier._parameter_constraints,
        "center_lr": [IntervalNotBool(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, module=MAGRes2Net, *, criterion=CECenterLoss, lr=5e-3, batch_size=256,
                 center_lr=5e-3, **kwargs):
        super().__init__(module, criterion=criterion, lr=lr, batch_size=batch_size, **kwargs)
        self.center_lr = center_lr

    def get_params_for(self, prefix):
        params = super().get_params_for(prefix)
        if prefix == "optimizer" and self.center_lr is not None:
            group = ("*centers", {"lr": self.center_lr, "weight_decay": 0.0})
            params["param_groups"] = [*params.get("param_groups", []), group]
        return params
