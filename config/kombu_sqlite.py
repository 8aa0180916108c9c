"""kombu's SQLAlchemy transport, polling every 100 ms.

The embedded (SQLite) broker polls; kombu's 1 s default would dominate "click generate to first
render". Its transport options go to create_engine, so the interval is a class attribute here.
Registered by alias in config/celery.py, so SQLAlchemy loads only when a connection is made.
"""

from kombu.transport.sqlalchemy import Transport as SQLAlchemyTransport


class Transport(SQLAlchemyTransport):
    polling_interval = 0.1
