"""Outgoing mail: the outbox table, enqueueing, the sender that drains it, and transports."""
