"""Printing listens to what the shop announces (shop.signals); connected in PrintingConfig.ready()."""
