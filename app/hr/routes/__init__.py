"""HR web routes: one router for main.py, built from the feature's route modules."""

from app.hr.routes import (
    accounts,
    admin,
    assigning,
    emails,
    reminding,
    schedule_page,
    tracking,
    uploads,
)
from app.web import navigation
from app.web.request_checks import checked_router

router = checked_router()
for module in (tracking, accounts, uploads, assigning, schedule_page, reminding, admin, emails):
    router.include_router(module.router)
router.include_router(uploads.upload_router)

navigation.register("/hr", "HR dashboard", "hr", "admin")
navigation.register("/hr/audit", "Audit log", "admin")
