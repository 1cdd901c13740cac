"""Input validation shared by the window samplers (imbalanced-learn's ``_check_X_y`` hook)."""

from imblearn.utils import check_target_type
from sklearn.utils import column_or_1d

from ..utils.validation import input_ndim, validate_windows


def check_windows_X_y(sampler, X, y):
    """Windows ``(n, C, T)`` float32, 1-D labels, and whether X was 2-D.

    Sets the sampler's ``n_channels_in_`` etc. (``validate_windows``) and
    returns ``(X, y, binarize_y, flat_input)``; ``binarize_y`` as imblearn's
    ``check_target_type`` (one-vs-all targets are resampled as labels).
    """
    y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
    flat_input = input_ndim(X) == 2
    Xw = validate_windows(sampler, X, reset=True)
    y = column_or_1d(y, warn=True)
    if y.shape[0] != Xw.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: X has "
            f"{Xw.shape[0]} windows but y has {y.shape[0]} labels; pass one label "
            "per window."
        )
    return Xw, y, binarize_y, flat_input
