"""Running work in parallel threads for the concurrency tests (PostgreSQL leg)."""

import threading
from collections.abc import Callable

from django.db import connections


def in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in `count` threads that start together; each closes its own database
    connections. Returns each result, or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
