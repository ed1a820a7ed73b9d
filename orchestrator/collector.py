"""The garbage collector's settings for the processes that work for long: robots and runners.

Both import a great deal once (Robot Framework, SQLAlchemy, lxml, the rules) and then make
little cyclic garbage. With CPython's defaults every full collection walked all those
imported objects again, and the young generation was collected every 700 net new containers.
Measured with ``kommunerpa bench pipeline`` at N = 2,000 (``gc.callbacks`` timing each
collection): the collector took 4–9 % of each robot's CPU (0.25–0.44 s per robot run, 300 to
400 collections) and 8 % of each runner's (0.16 s); with these settings a robot run spends
0.03–0.05 s in it.
"""

from __future__ import annotations

import gc

#: Net new container objects between two young-generation collections (CPython: 700).
YOUNG_COLLECTION_THRESHOLD = 10_000


def collect_less_often() -> None:
    """Leave every object that exists now (the imports) out of later collections, and
    collect the young generation after ``YOUNG_COLLECTION_THRESHOLD`` net new containers.
    Call once the process has imported what it works with."""
    gc.freeze()
    _, *older = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *older)
