"""The one exception readers raise."""


class ReadError(Exception):
    """A document that cannot be read; the message says why, for a person."""
