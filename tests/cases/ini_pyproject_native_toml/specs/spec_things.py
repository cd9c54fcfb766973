def test_spec(subject):
    pass


class DescribeThing:
    def test_it(self, subject):
        pass


class TestIgnoredClass:
    def test_never(self, missing):
        pass
