"""Stand-in strategies: placeholders only."""


def integers(*args, **kwargs):
    return None


def data():
    return None
