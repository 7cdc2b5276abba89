"""The customer's side: the public tracking API, keyed by an order's unguessable tracking token."""
