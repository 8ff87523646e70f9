"""Benchmarks: `make bench` prints figures and ratios against Telegram's limits."""
