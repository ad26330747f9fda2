"""HR: people import, invites, assignments, reports and exports, reminders, audit log."""
