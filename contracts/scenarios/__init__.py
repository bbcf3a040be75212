"""Scenarios that drive real Docker Engines through the recorder.

``python -m contracts.scenarios.record_all --engine unix:///path/docker.sock``
re-records the corpus in contracts/recorded/<engine release>/v<API>/.
"""
