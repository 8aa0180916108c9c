"""What figures announces to the apps above it (they connect receivers; figures imports none).

`design_approved` is sent inside the transaction that approves a render (services.render_approve),
with `design`: a receiver's rows commit or roll back with the approval; work for a worker waits
for the commit (transaction.on_commit)."""

from django.dispatch import Signal

design_approved = Signal()
