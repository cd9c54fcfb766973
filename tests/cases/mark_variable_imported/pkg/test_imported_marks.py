from pkg import marks, reexported_params
from pkg.marks import fmt_params, identity

pytestmark = [marks.uses_db]


@marks.level_params
@fmt_params
class TestDecoratedClass:
    def test_one(self, fmt, level):
        pass

    def test_two(self, level, fmt):
        pass


class TestDecoratedMethod:
    @fmt_params
    def test_method(self, fmt):
        pass

    @marks.fmt_params
    def test_attribute(self, fmt):
        pass


@reexported_params
def test_reexported(fmt):
    pass


@identity
def test_plain_decorator(undefined_fixture):
    pass
