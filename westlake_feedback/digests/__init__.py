"""Digests of new comments to a consultation's contact mailbox, and the close-of-window notice."""
