"""Utilities: input validation (the one place for shape rules) and helpers."""

from .validation import check_row_labels, check_table, check_windows, validate_windows

__all__ = ["check_windows", "validate_windows", "check_table", "check_row_labels"]
