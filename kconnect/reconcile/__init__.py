"""The GitOps loop: re-read the manifests, correct drift, restart failures, serve metrics.

`loop.py` runs the cycles; `metrics.py` is the Prometheus endpoint they report to.
"""
