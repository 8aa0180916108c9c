"""Staff side of printing: the production queue (paid orders waiting to be made and
shipped, `queue`, with its `actions`), print items (`items`) and print batches
(`batches`). Importing the modules registers their admins."""

from printing.admin import batches, items, queue

__all__ = ["batches", "items", "queue"]
