"""A benchmark suite that measures the fake daemon beside a real Docker Engine.

Run it with ``fakedaemon bench``; see docs/benchmarks.md for the figures and
how they are taken.
"""
