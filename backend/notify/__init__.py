"""Customer communication: the notification outbox, its channels (SMS, web push, email, webhooks)."""
