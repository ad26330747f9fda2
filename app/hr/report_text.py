"""Plain-text summaries of HR results for the command line."""

from __future__ import annotations

from app.hr.import_plan import ImportPlan


def plan_lines(plan: ImportPlan, *, limit: int = 200) -> list[str]:
    """What an import would do, one line per fact (at most `limit` people per list)."""
    lines = [
        f"{plan.filename}: {plan.rows} rows ({plan.encoding}, separated by {plan.delimiter!r}).",
        f"Columns used: {', '.join(plan.columns)}.",
    ]
    if plan.ignored:
        lines.append(f"Ignored columns: {', '.join(plan.ignored)}.")
    s = plan.summary()
    lines.append(
        f"To add {s['added']}, update {s['updated']}, leave unchanged {s['unchanged']}, "
        f"deactivate {s['deactivated']}; bad rows {s['errors']}."
    )
    if plan.new_departments:
        lines.append(f"New departments: {', '.join(plan.new_departments)}.")
    lines += [f"  add: {p.email} ({p.name})" for p in plan.add[:limit]]
    for change in plan.update[:limit]:
        fields = "; ".join(
            f"{k} {old or '-'} -> {new or '-'}" for k, (old, new) in change.fields.items()
        )
        lines.append(f"  update: {change.email}: {fields}")
    lines += [f"  deactivate: {d.email} ({d.name})" for d in plan.deactivate[:limit]]
    if max(len(plan.add), len(plan.update), len(plan.deactivate)) > limit:
        lines.append(f"  (lists cut at {limit} people each)")
    return lines
