"""Shared command-line arguments of the benchmark scripts.

The argument types (:func:`~_common.ints_arg`, :func:`~_common.devices_arg`)
and the result-file arguments (:func:`~_common.add_results_args`) live in
``_common.py``; the groups here are the ones several scripts spell alike.
"""

from __future__ import annotations


def floats_arg(text):
    """argparse type: ``"0,1.5"`` -> ``[0.0, 1.5]``."""
    return [float(v) for v in text.split(",")]


def add_data_args(parser):
    """Add ``--data-home``: where the benchmark files are."""
    parser.add_argument("--data-home", default=None,
                        help="folder of the benchmark files (default: $SKLEARN_HAR_DATA)")
    return parser


def add_diffusion_args(parser):
    """Add the DiffusionAugmenter model of the resampling benchmarks.

    ``--max-iter``, ``--n-steps``, ``--sampling-steps``, ``--width`` and
    ``--depth``, with the defaults the committed results were measured with.
    """
    group = parser.add_argument_group("diffusion model")
    group.add_argument("--max-iter", type=int, default=3000,
                       help="training steps of the diffusion model")
    group.add_argument("--n-steps", type=int, default=1000, help="diffusion steps T (DDPM)")
    group.add_argument("--sampling-steps", type=int, default=50, help="DDIM steps")
    group.add_argument("--width", type=int, default=64)
    group.add_argument("--depth", type=int, default=4)
    return parser
