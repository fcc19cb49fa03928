"""Hot reads as SQL built once per process and prepared once per connection.

The ORM builds a SELECT afresh for every request, which for a short read on a
hot path (the confirm page's poll, a signed-in visitor's header) costs more
than the database takes to answer it. A ``Statement`` is built once per
process from the models' metadata (so a renamed column follows), its rows
are turned into model instances with the fields' own converters (as the ORM
would), and on PostgreSQL it is also prepared on the server once per
connection, since planning a join costs more than running it.

Set ``DJANGO_DB_PREPARED_STATEMENTS=false`` behind a pooler that hands one
client's statements to different server connections (PgBouncer in
transaction mode). A prepared statement that fails there (or after a schema
change) is dropped and the plain statement runs instead.
"""

import dataclasses
import logging
import re

from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Columns:
    """Some of a model's columns under a table alias, in the model's order."""

    model: type
    attnames: tuple
    sql: tuple
    # (the converters, the column expression) per column
    converters: tuple

    def instance(self, db, values, connection):
        """The model instance for these columns' values (the rest deferred)."""
        converted = []
        for value, (found, expression) in zip(values, self.converters, strict=True):
            for converter in found:
                value = converter(value, expression, connection)
            converted.append(value)
        return self.model.from_db(db, self.attnames, converted)


def columns(model, alias, names, connection) -> Columns:
    qn = connection.ops.quote_name
    # In the model's own order, as Model.from_db() takes them.
    order = {field.attname: n for n, field in enumerate(model._meta.concrete_fields)}
    fields = sorted(
        (model._meta.get_field(name) for name in names),
        key=lambda field: order[field.attname],
    )
    converters = []
    for field in fields:
        expression = field.get_col(alias)
        found = connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection)
        converters.append((tuple(found), expression))
    return Columns(
        model=model,
        attnames=tuple(field.attname for field in fields),
        sql=tuple(f"{alias}.{qn(field.column)}" for field in fields),
        converters=tuple(converters),
    )


def all_columns(model, alias, connection) -> Columns:
    return columns(
        model, alias, [field.name for field in model._meta.concrete_fields], connection
    )


@dataclasses.dataclass(frozen=True)
class Statement:
    name: str  # unique per statement: its name on the server
    sql: str  # with %s placeholders
    parts: tuple  # the Columns read, in order; any further values follow


def split(statement, row):
    """Split a row into the values of each part, and the values after them."""
    start = 0
    values = []
    for part in statement.parts:
        values.append(row[start : start + len(part.attnames)])
        start += len(part.attnames)
    return values, row[start:]


def _prepared_names(connection) -> set | None:
    """The statements prepared on this connection's current server session,
    or None where statements are not prepared."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return None
    raw = connection.connection
    known = getattr(connection, "_okpuja_prepared", None)
    if known is None or known[0] is not raw:  # a new server session
        known = (raw, set())
        connection._okpuja_prepared = known
    return known[1]


def fetchone(connection, statement: Statement, params):
    """Run the statement (prepared where that is on) and return its one row."""
    with connection.cursor() as cursor:
        names = _prepared_names(connection)
        if names is None:
            cursor.execute(statement.sql, params)
            return cursor.fetchone()
        try:
            if statement.name not in names:
                numbered = iter(range(1, statement.sql.count("%s") + 1))
                sql = re.sub("%s", lambda _match: f"${next(numbered)}", statement.sql)
                cursor.execute(f"PREPARE {statement.name} AS {sql}")
                names.add(statement.name)
            placeholders = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXECUTE {statement.name} ({placeholders})", params)
            return cursor.fetchone()
        except DatabaseError:
            if connection.in_atomic_block:  # the transaction is spoilt
                raise
            logger.warning("Prepared %s failed; running it unprepared", statement.name)
            names.discard(statement.name)
            try:
                cursor.execute(f"DEALLOCATE {statement.name}")
            except DatabaseError:
                pass
            cursor.execute(statement.sql, params)
            return cursor.fetchone()
