"""Shared, model-free building blocks of the plugin's apps.

core is the lowest layer (core <- privacy <- figures <- shop <- printing): it imports no app.
It holds the account typing, the private storage, one private-file response, one
customer-facing error base, one app-settings base and an abstract status-change model."""
