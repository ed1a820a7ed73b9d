"""scheduler daemon (issue 12): robot schedules and staff control

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import orchestrator.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ROBOTS = ("receipt", "control", "matching", "posting")


def upgrade() -> None:
    op.create_table(
        "robot_controls",
        sa.Column("robot", sa.String(length=30), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("stop_requested", sa.Boolean(), nullable=False),
        sa.Column("run_requested_at", orchestrator.models.UTCDateTime(), nullable=True),
        sa.Column("run_requested_by", sa.String(length=200), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=True),
        sa.Column("changed_at", orchestrator.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("robot"),
    )
    # One row per robot from the start: staff actions then only ever UPDATE a row, so two
    # concurrent first actions on PostgreSQL cannot both INSERT it.
    controls = sa.table(
        "robot_controls",
        sa.column("robot", sa.String),
        sa.column("paused", sa.Boolean),
        sa.column("stop_requested", sa.Boolean),
    )
    op.bulk_insert(
        controls, [{"robot": r, "paused": False, "stop_requested": False} for r in ROBOTS]
    )
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("acquired_at", orchestrator.models.UTCDateTime(), nullable=True),
        sa.Column("expires_at", orchestrator.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    lease = sa.table("scheduler_lease", sa.column("name", sa.String))
    op.bulk_insert(lease, [{"name": "scheduler"}])
    op.create_table(
        "daemon_heartbeats",
        sa.Column("daemon", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("started_at", orchestrator.models.UTCDateTime(), nullable=False),
        sa.Column("last_heartbeat_at", orchestrator.models.UTCDateTime(), nullable=False),
        sa.Column("stopped_at", orchestrator.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("daemon"),
    )
    # APScheduler 3.x's SQLAlchemyJobStore table, exactly as the job store defines it (it
    # would create it itself; here it is part of the schema an operator migrates and grants).
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    op.drop_table("daemon_heartbeats")
    op.drop_table("scheduler_lease")
    op.drop_table("robot_controls")
