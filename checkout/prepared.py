"""Writes of the booking webhook's hot path, built once per process.

(``storefront/prepared.py`` does the same for hot reads.)

The ORM builds each INSERT and UPDATE afresh on every call (filters, field
lists, quoting), which costs more CPU than the database takes to run them;
on a busy worker that CPU is what other requests wait for. The statements
here have a fixed shape (only the values change), so each is built once per
process and database from the models' metadata (a renamed column follows)
and each call only prepares its values, by the fields, as the ORM does.
They are the same statements the ORM would send: same rows, same checks.
"""

from dataclasses import dataclass

from django.db import connections, router

# Statement key -> SQL (and for inserts, the fields in column order).
_STATEMENTS: dict = {}
_OPERATORS = {"exact": "=", "gt": ">"}


@dataclass(frozen=True)
class Increase:
    """An ``update_where`` value: the column's own value plus ``by``."""

    by: int = 1


def _field(opts, name):
    return opts.pk if name == "pk" else opts.get_field(name)


def update_where(model, where, values) -> int:
    """Run one conditional UPDATE of ``model``; return how many rows it changed.

    ``where`` maps ``name`` or ``name__gt`` (concrete fields, ``pk``) to a
    value (a related row's pk for a foreign key), all ANDed; ``values`` maps
    field names to a value or an ``Increase``.
    """
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    key = (
        "update",
        model,
        tuple((name, isinstance(value, Increase)) for name, value in values.items()),
        tuple(where),
        connection.alias,
    )
    sql = _STATEMENTS.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        sets = []
        for name, value in values.items():
            column = qn(opts.get_field(name).column)
            increase = isinstance(value, Increase)
            sets.append(f"{column} = {column} + %s" if increase else f"{column} = %s")
        conditions = []
        for lookup in where:
            name, _sep, operator = lookup.partition("__")
            column = qn(_field(opts, name).column)
            conditions.append(f"{column} {_OPERATORS[operator or 'exact']} %s")
        sql = (
            f"UPDATE {qn(opts.db_table)} SET {', '.join(sets)} "
            f"WHERE {' AND '.join(conditions)}"
        )
        _STATEMENTS[key] = sql
    params = [
        value.by
        if isinstance(value, Increase)
        else opts.get_field(name).get_db_prep_save(value, connection)
        for name, value in values.items()
    ]
    for lookup, value in where.items():
        field = _field(opts, lookup.partition("__")[0])
        params.append(field.get_db_prep_value(value, connection, prepared=False))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# Sent with an INSERT in one round trip; PostgreSQL runs both in one implicit
# transaction, so the setting ends with it.
UNFLUSHED_COMMIT = "SET LOCAL synchronous_commit TO OFF; "


def insert(objs, *, flushed_later=False) -> list:
    """INSERT new instances of one model with one statement; set their pks.

    As ``bulk_create`` does for them (no signals, ``save()`` is not called):
    each field's ``pre_save`` fills ``auto_now``/``auto_now_add``, the
    database assigns the pks.

    ``flushed_later``: the caller commits again, synchronously, on the same
    connection before it answers anyone. On PostgreSQL in autocommit this
    INSERT's own commit then does not wait for its WAL flush: the later
    synchronous commit waits for the WAL up to its own record, which comes
    after this one, so nothing is answered before this row is durable too.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    if not connection.features.can_return_rows_from_bulk_insert:
        return model.objects.bulk_create(objs)
    key = ("insert", model, len(objs), connection.alias)
    statement = _STATEMENTS.get(key)
    if statement is None:
        qn = connection.ops.quote_name
        returning = opts.db_returning_fields
        fields = [
            field
            for field in opts.concrete_fields
            if field not in returning and not getattr(field, "generated", False)
        ]
        row = f"({', '.join(['%s'] * len(fields))})"
        returning_sql, _params = connection.ops.return_insert_columns(returning)
        sql = (
            f"INSERT INTO {qn(opts.db_table)} "
            f"({', '.join(qn(field.column) for field in fields)}) "
            f"VALUES {', '.join([row] * len(objs))} {returning_sql}"
        )
        statement = _STATEMENTS[key] = (sql, fields, returning)
    sql, fields, returning = statement
    if (
        flushed_later
        and connection.vendor == "postgresql"
        and connection.get_autocommit()
    ):
        sql = UNFLUSHED_COMMIT + sql
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objs
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for obj, values in zip(objs, rows, strict=True):
        for field, value in zip(returning, values, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
