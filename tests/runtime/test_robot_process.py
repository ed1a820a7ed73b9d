"""A robot forked from the fork server runs with the garbage collector set for a robot run."""

from __future__ import annotations

import os
from pathlib import Path

from orchestrator import collector, robot_process

SUITE = """*** Tasks ***
Note the collector
    ${young}=    Evaluate    gc.get_threshold()[0]    modules=gc
    ${frozen}=    Evaluate    gc.get_freeze_count()    modules=gc
    Create File    ${CURDIR}/gc.txt    ${young} ${frozen}

*** Settings ***
Library    OperatingSystem
"""


def test_a_robot_leaves_its_imports_out_of_collections(tmp_path: Path) -> None:
    suite = tmp_path / "gc.robot"
    suite.write_text(SUITE, encoding="utf-8")
    robot = robot_process.start(
        ["--output", "NONE", "--report", "NONE", "--log", "NONE", str(suite)],
        env=dict(os.environ),
        cwd=tmp_path,
        console=tmp_path / "console.txt",
    )
    assert robot.wait(120) == 0, (tmp_path / "console.txt").read_text()
    young, frozen = map(int, (tmp_path / "gc.txt").read_text().split())
    assert young == collector.YOUNG_COLLECTION_THRESHOLD
    # The preloaded libraries (Robot Framework, SQLAlchemy, lxml …): far more than a bare
    # interpreter's few thousand objects.
    assert frozen > 50_000
