class DescribeWidget:
    def it_has_widget(self, widget):
        pass


class TestNotCollected:
    def test_never(self, missing):
        pass


def test_function(widget):
    pass
