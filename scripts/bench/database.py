"""The benchmarks' own PostgreSQL databases: made afresh for each run (``make bench``, ``make bench-fanout``)."""

from urllib.parse import unquote, urlparse

HOST = "127.0.0.1"


def maintenance_connection(url):
    """An autocommit connection to the server of ``url``'s database, on its ``postgres`` database."""
    import psycopg2

    parts = urlparse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        host=parts.hostname or HOST,
        port=parts.port or 5432,
    )
    connection.autocommit = True
    return connection


def database_create_fresh(url):
    """Drop the bench database if it is there and create it empty."""
    from psycopg2 import sql

    name = unquote(urlparse(url).path.lstrip("/"))
    connection = maintenance_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()
