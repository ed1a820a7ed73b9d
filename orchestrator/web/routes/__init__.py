"""One router per page of the control room."""

from orchestrator.web.routes import (
    approvals,
    audit,
    dashboard,
    exceptions,
    invoices,
    login,
    robots,
    runs,
    users,
)

ROUTERS = (
    login.router,
    dashboard.router,
    invoices.router,
    exceptions.router,
    approvals.router,
    audit.router,
    robots.router,
    runs.router,
    users.router,
)
