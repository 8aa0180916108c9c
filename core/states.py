"""The one shape of every lifecycle (orders, print items): a table of legal moves, one
function that locks the row, refuses an illegal move and writes a history row with the move."""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from core.models import StatusChange

Row = TypeVar("Row", bound=models.Model)


def transition_locked(
    *,
    row: Row,
    to: str,
    table: Mapping[str, frozenset[str]],
    history: type[StatusChange],
    owner_field: str,
    refuse: Callable[[Row, str], Exception],
    actor: Any = None,
    reason: str = "",
    fields: Mapping[str, Any] | None = None,
) -> tuple[Row, str]:
    """Inside the caller's transaction (it opens one if there is none): lock `row`, check
    `to` against `table` (raise `refuse(locked, to)` and change nothing if illegal), apply
    the move and `fields`, and record it in `history` (its foreign key is `owner_field`).
    Returns the locked, saved row and the status it had before."""
    with transaction.atomic():
        locked = type(row)._default_manager.select_for_update().get(pk=row.pk)
        previous = str(locked.status)  # type: ignore[attr-defined]
        if to not in table[previous]:
            raise refuse(locked, to)
        locked.status = to  # type: ignore[attr-defined]
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
        locked.save()
        history._default_manager.create(
            **{owner_field: locked},
            from_status=previous,
            to_status=to,
            actor=actor,
            reason=reason[:300],
        )
    return locked, previous
