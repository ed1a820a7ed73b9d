"""The project's benchmarks: speed and memory figures are printed here, never asserted in tests.

Each benchmark is a click command in its own module, registered on the ``kommunerpa bench``
group in ``benchmarks.cli``; ``benchmarks.measure`` has what they share (pinning to one
CPU, percentiles, peak memory). How to run and read them: ``benchmarks/README.md``.
"""
