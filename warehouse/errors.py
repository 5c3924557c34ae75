"""The error every warehouse module raises for the user: its message is one line, meant to be read as it is."""


class WarehouseError(Exception):
    """The warehouse cannot be opened or used; the message is meant for the user as it is."""
