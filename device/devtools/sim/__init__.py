"""Simulated households for `python -m device.devtools.simulate`: the protocol, the project's households, baselines."""
