"""Benchmarks (``make bench``): accuracy and speed, results written to ``bench/results/``."""
