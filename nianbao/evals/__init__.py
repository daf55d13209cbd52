"""Evaluations and benchmarks: measured accuracy and speed, printed as figures."""
