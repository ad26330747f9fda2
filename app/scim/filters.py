"""SCIM filters (RFC 7644 §3.4.2.2) as SQL: parsed by scim2-models, bounded, then translated.

Only the attributes listed per resource can be filtered on; anything else is `invalidFilter`,
never a silent "no match". A filter longer than MAX_LENGTH or with more than MAX_TERMS
comparisons is refused before it reaches the database (scim2-models bounds the nesting).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scim2_models import SCIMException
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ScimFilter,
    ValuePath,
)
from sqlalchemy import and_, false, func, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from app.scim.errors import ScimError

MAX_LENGTH = 1000
MAX_TERMS = 20


@dataclass(frozen=True)
class Column:
    """A filterable attribute: its column, how values are folded, and how they are read."""

    column: Any
    fold: Callable[[Any], Any] | None = None  # applied to the column (e.g. func.lower)
    value: Callable[[Any], Any] = lambda v: v  # applied to the filter's value


def invalid_filter(message: str) -> ScimError:
    return ScimError(400, message, "invalidFilter")


def parse(text: str) -> FilterNode:
    """The filter's tree, or invalidFilter for an over-long or malformed one."""
    if len(text) > MAX_LENGTH:
        raise invalid_filter(
            f"The filter is longer than {MAX_LENGTH} characters; send a shorter one."
        )
    try:
        tree = ScimFilter(text).ast
    except (SCIMException, ValueError) as exc:
        raise invalid_filter(f"The filter could not be read: {str(exc)[:200]}") from exc
    if text.count("(") > MAX_TERMS:
        raise invalid_filter(f"The filter nests more than {MAX_TERMS} parentheses; simplify it.")
    if _terms(tree) > MAX_TERMS:
        raise invalid_filter(f"The filter has more than {MAX_TERMS} comparisons; split the query.")
    return tree


def _terms(node: FilterNode) -> int:
    if isinstance(node, LogicalExpr):
        return sum(_terms(t) for t in node.terms)
    if isinstance(node, Not):
        return _terms(node.expr)
    return 1


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlFilter(FilterVisitor[ColumnElement[bool]]):
    """Translates a filter tree to a WHERE clause over the named columns."""

    def __init__(self, columns: Mapping[str, Column]) -> None:
        self.columns = {name.lower(): c for name, c in columns.items()}

    def _column(self, attr: Any) -> tuple[Column, Any]:
        name = str(attr).lower()
        found = self.columns.get(name)
        if found is None:
            names = ", ".join(sorted(self.columns))
            raise invalid_filter(
                f"Filtering on “{str(attr)[:100]}” is not supported; use one of: {names}."
            )
        expr = found.fold(found.column) if found.fold else found.column
        return found, expr

    def visit_comparison(self, node: Comparison) -> ColumnElement[bool]:
        found, expr = self._column(node.attr_path)
        if node.value is None:
            empty: ColumnElement[bool] = (
                expr.is_(None) if node.op == CompareOperator.eq else expr.is_not(None)
            )
            return empty
        try:
            value = found.value(node.value)
        except (TypeError, ValueError) as exc:
            raise invalid_filter(
                f"“{node.value}” is not a value {node.attr_path} can take."
            ) from exc
        if value is None:  # a value no row can have (an id that is not a number)
            return false() if node.op != CompareOperator.ne else true()
        op = node.op
        if op == CompareOperator.eq:
            return expr == value  # type: ignore[no-any-return]
        if op == CompareOperator.ne:
            return or_(expr != value, expr.is_(None))
        if op in (CompareOperator.co, CompareOperator.sw, CompareOperator.ew) and isinstance(
            value, str
        ):
            pattern = {
                "co": f"%{_like(value)}%",
                "sw": f"{_like(value)}%",
                "ew": f"%{_like(value)}",
            }
            return expr.like(pattern[op.value], escape="\\")  # type: ignore[no-any-return]
        if op in (CompareOperator.gt, CompareOperator.ge, CompareOperator.lt, CompareOperator.le):
            compare = {
                "gt": expr > value,
                "ge": expr >= value,
                "lt": expr < value,
                "le": expr <= value,
            }
            return compare[op.value]  # type: ignore[no-any-return]
        raise invalid_filter(f"The operator “{op.value}” cannot be used on {node.attr_path}.")

    def visit_present(self, node: Present) -> ColumnElement[bool]:
        _, expr = self._column(node.attr_path)
        return expr.is_not(None)  # type: ignore[no-any-return]

    def visit_not(self, node: Not) -> ColumnElement[bool]:
        negated: ColumnElement[bool] = not_(self.visit(node.expr))
        return negated

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement[bool]:
        parts = [self.visit(t) for t in node.terms]
        return and_(*parts) if node.op == LogicalOperator.and_ else or_(*parts)

    def visit_value_path(self, node: ValuePath) -> ColumnElement[bool]:
        # emails[value eq "x"] and members[value eq "1"]: the sub-attribute under its parent.
        inner = SqlFilter(
            {k.removeprefix(f"{str(node.attr_path).lower()}."): v for k, v in self.columns.items()}
        )
        return inner.visit(node.val_filter)


def where(text: str | None, columns: Mapping[str, Column]) -> ColumnElement[bool]:
    """The WHERE clause for a `filter` parameter (everything when there is none)."""
    if not text:
        return true()
    return SqlFilter(columns).visit(parse(text))


def lower(column: Any) -> Any:
    return func.lower(column)
