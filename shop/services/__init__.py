"""Shop logic, one module per concern: pricing, cart, orders, payments, emails, downloads."""
