"""HR web routes: one router for main.py, built from the feature's route modules."""

from app.hr.routes import (
    accounts,
    admin,
    assigning,
    bulk,
    emails,
    people_edit,
    reminding,
    schedule_page,
    sessions_page,
    tracking,
    unassigning,
    uploads,
)
from app.web import navigation
from app.web.request_checks import checked_router

router = checked_router()
# people_edit before tracking: /hr/people/add must not be read as /hr/people/{user_id}.
for module in (
    people_edit,
    bulk,
    tracking,
    accounts,
    uploads,
    assigning,
    schedule_page,
    reminding,
    admin,
    emails,
    unassigning,
    sessions_page,
):
    router.include_router(module.router)
router.include_router(uploads.upload_router)

navigation.register("/hr", "HR dashboard", "hr", "admin")
navigation.register("/hr/audit", "Audit log", "admin")
