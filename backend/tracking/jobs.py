"""Background work of the tracking domain: breadcrumb retention (worker side). ETA refreshes are
dispatch's (backend/dispatch/jobs.py): writing ETAs to stops is dispatch's use case."""
from __future__ import annotations

from huey import crontab

from backend.jobs.tasks import periodic_app_task


@periodic_app_task(crontab(minute="17", hour="3"))
def purge_breadcrumbs() -> None:
    from backend.tracking import service

    service.purge_old_fixes()
