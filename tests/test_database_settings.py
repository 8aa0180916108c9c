"""PostgreSQL plans each query shape once per connection (prepared statements), unless a
deployment behind PgBouncer's transaction mode switches that off, and checks a reused
connection's health without a round trip (core.db.postgresql); SQLite is left as it is."""

import json
import subprocess
import sys

import pytest
from django.db import connection

from tests.test_security_settings import ROOT, settings_env

PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({**db.get('OPTIONS', {}), 'ENGINE': db['ENGINE']}, default=str))"
)


def database_options(tmp_path, **env: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=settings_env(tmp_path, DJANGO_DEBUG="1", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    options: dict[str, object] = json.loads(result.stdout)
    return options


def test_postgresql_uses_prepared_statements_unless_switched_off(tmp_path):
    url = "postgres://shop@db.example:5432/shop"

    on = database_options(tmp_path, DATABASE_URL=url)
    off = database_options(tmp_path, DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="0")
    sqlite = database_options(tmp_path)

    assert on["server_side_binding"] is True and on["prepare_threshold"] == 5
    assert "server_side_binding" not in off and "prepare_threshold" not in off
    assert on["ENGINE"] == off["ENGINE"] == "core.db.postgresql"
    assert "server_side_binding" not in sqlite and str(sqlite["ENGINE"]).endswith("sqlite3")


@pytest.mark.django_db
def test_a_repeated_query_is_prepared_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (the PostgreSQL + Redis CI run)")
    from shop.models import Product

    for _ in range(7):
        list(Product.objects.filter(slug="art-print"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    assert any('"shop_product"' in sql and '"slug" = $1' in sql for sql, _runs in prepared)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reused_connection_is_checked_without_a_query_until_the_server_ends_it():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL backend (the PostgreSQL + Redis CI run)")
    import time

    import psycopg

    from shop.models import Product

    checks: list[bool] = []
    real_check = connection.is_usable

    def counted() -> bool:
        checks.append(True)
        return real_check()

    connection.is_usable = counted  # type: ignore[method-assign]
    try:
        pid = _backend_pid()
        # given a new request on a healthy idle connection: no SELECT 1 before its queries
        connection.health_check_done = False  # type: ignore[attr-defined]
        list(Product.objects.all()[:1])
        assert checks == [] and _backend_pid() == pid

        # when the server ends that connection between two requests
        db = connection.settings_dict
        with psycopg.connect(
            dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432,
            password=db["PASSWORD"] or None, autocommit=True,
        ) as admin:  # fmt: skip
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.3)  # the server's goodbye reaches the socket

        # then the next request's first query runs on a new connection, not into the error
        connection.health_check_done = False  # type: ignore[attr-defined]
        list(Product.objects.all()[:1])
        assert checks == [True] and _backend_pid() != pid
    finally:
        del connection.is_usable
