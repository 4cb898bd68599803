"""Benchmarks of gotham-inbox, side by side with what users would use instead.

``python -m bench`` (or ``make bench``) runs every benchmark and writes ``BENCHMARKS.md``. These
are measurements, not tests: nothing here asserts a time; each target is reported as met or not.
"""
