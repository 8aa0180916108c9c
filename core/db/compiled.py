"""Read queries whose SQL the ORM compiles once per database connection, then run with new
values.

Django builds and compiles a QuerySet's SQL again on every evaluation: for the storefront's
reads on every request (the product page's design, the cart's lines) that costs more than
PostgreSQL takes to run the prepared statement. `CompiledRead(build, int, UUID)` asks
`build(*stand_ins)` for its values_list() QuerySet once per connection, with stand-in values of
those types, keeps the SQL, and finds where each stand-in sits among the parameters; a call
puts its own values there and runs that SQL, with the same converters Django applies.

So the QuerySet stays the one definition of the query (its owner scoping included). `build` must
depend on its arguments only (no clock, no settings that change), and return a values_list()
with plain field names. Wherever a stand-in is not found exactly once as itself among the
parameters (a database that converts the value, e.g. UUIDs on SQLite; a value that changes the
SQL, e.g. None or a list), or an argument is not of its declared type, the QuerySet is built and
evaluated as usual: the result is the same, only slower."""

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable

Row = tuple[Any, ...]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    positions: tuple[int, ...]  # of each argument in params
    compiler: Any  # the SQLCompiler: applies the converters
    converters: dict[int, Any]


def _stand_in(kind: type) -> Any:
    if kind is int:
        # Negative (no id is), and within every integer column's range: Django compiles a
        # lookup with an out-of-range value to "no rows", with no parameter.
        return -(secrets.randbelow(30_000) + 1_000)
    if kind is str:
        return f"minime-stand-in-{secrets.token_hex(12)}"
    if kind is uuid.UUID:
        return uuid.uuid4()
    raise TypeError(f"CompiledRead: no stand-in for {kind!r}")


class CompiledRead:
    """`build(*args)` (a values_list() QuerySet) evaluated to a list of row tuples, its SQL
    compiled once per connection (see the module docstring)."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any, Any]],
        *kinds: type,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        for kind in kinds:
            _stand_in(kind)  # an unsupported kind fails here, at import
        self._build = build
        self._kinds = kinds
        self._using = using
        self._compiled: WeakKeyDictionary[Any, _Compiled | None] = WeakKeyDictionary()

    def __call__(self, *args: Any) -> list[Row]:
        if len(args) != len(self._kinds) or any(
            type(arg) is not kind for arg, kind in zip(args, self._kinds, strict=False)
        ):
            return list(self._build(*args))
        connection = connections[self._using]
        try:
            compiled = self._compiled[connection]
        except KeyError:
            compiled = self._compiled[connection] = self._compile()
        if compiled is None:
            return list(self._build(*args))
        params = list(compiled.params)
        for position, value in zip(compiled.positions, args, strict=True):
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: list[Any] = cursor.fetchall()
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return [tuple(row) for row in rows]

    def _compile(self) -> _Compiled | None:
        """The stand-ins' SQL, or None where it cannot be reused (run the QuerySet instead).
        Compiled with two sets of stand-ins: the SQL and every other parameter must be the same,
        and each stand-in found exactly once, at the same place, in both."""
        first, second = self._compile_with_stand_ins(), self._compile_with_stand_ins()
        if first is None or second is None:
            return None
        (compiled, stand_ins), (other, other_stand_ins) = first, second
        if compiled.sql != other.sql or len(compiled.params) != len(other.params):
            return None
        positions = []
        for stand_in, other_stand_in in zip(stand_ins, other_stand_ins, strict=True):
            if stand_in == other_stand_in:
                return None
            found = [n for n, p in enumerate(compiled.params) if _same(p, stand_in)]
            if len(found) != 1 or not _same(other.params[found[0]], other_stand_in):
                return None
            positions.append(found[0])
        if any(
            n not in positions and not _same(p, other.params[n])
            for n, p in enumerate(compiled.params)
        ):
            return None
        return _Compiled(
            sql=compiled.sql,
            params=compiled.params,
            positions=tuple(positions),
            compiler=compiled.compiler,
            converters=compiled.converters,
        )

    def _compile_with_stand_ins(self) -> tuple[_Compiled, list[Any]] | None:
        stand_ins = [_stand_in(kind) for kind in self._kinds]
        queryset = self._build(*stand_ins)
        query = queryset.query
        if (
            queryset._iterable_class is not ValuesListIterable
            or query.annotation_select
            or query.extra_select
            or queryset.db != self._using
        ):
            return None
        compiler = query.get_compiler(using=self._using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        if any(str(stand_in) in sql for stand_in in stand_ins):
            return None
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            positions=(),
            compiler=compiler,
            converters=compiler.get_converters(fields),
        )
        return compiled, stand_ins


def _same(param: Any, value: Any) -> bool:
    return type(param) is type(value) and param == value
