def test_defaults(a, b=2):
    pass


def test_keyword_only(a, *, kw):
    pass


def test_keyword_only_default(*, kw, b=1):
    pass


def test_varargs(a, *args, **kwargs):
    pass


def test_positional_only(b, /, a, *, kw):
    pass


def test_fixture_signature(composite):
    pass


class TestMethods:
    def test_method(self, a, *, kw):
        pass

    def test_positional_only_self(self, /, kw):
        pass
