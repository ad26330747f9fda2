"""HR: people import, assignments, reports and exports, reminders."""
