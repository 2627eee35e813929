"""Plan item status buttons."""


def set_item_status(conv, engine, payload) -> None:
    raise NotImplementedError   # being written
