"""Figures that show how close vision-integrations gets to one token per lifetime.

Run `python -m benchmarks --short` (or `--full`). Every benchmark prints one
table and the same figures go to a JSON file, so that runs can be compared.
Nothing here is asserted: these are measurements, not tests.
"""
