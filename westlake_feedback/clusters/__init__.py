"""Near-duplicate clusters of comments (campaigns of one circulated text)."""
