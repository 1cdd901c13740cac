"""Benchmark loaders and synthetic generators for human activity recognition."""

from ._benchmark import list_benchmarks, load_benchmark
from ._synthetic import make_har_table, make_har_windows

__all__ = ["list_benchmarks", "load_benchmark", "make_har_table", "make_har_windows"]
