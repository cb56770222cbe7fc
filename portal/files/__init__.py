"""Attachment downloads, only for those allowed to see the owning record."""
