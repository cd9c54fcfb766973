class TestValues:
    def pytest_generate_tests(self, metafunc):
        if "value" in metafunc.fixturenames:
            metafunc.parametrize("value", [1, 2], ids=lambda v: f"v{v}")
        if metafunc.function.__name__ == "test_special":
            metafunc.parametrize("special", ["x"])

    def test_value(self, value):
        assert value in (1, 2)

    def test_special(self, special):
        assert special == "x"

    def test_not_special(self, special):
        # The condition names another function: `special` is missing here.
        pass


class TestInherited(TestValues):
    # The hook is looked up on the class: inherited methods and hooks apply.
    def test_more(self, value):
        assert value in (1, 2)


class TestOther:
    def test_value_fixture(self, value):
        # Another class: the hook of TestValues is not called, the fixture applies.
        assert value == "fixture value"


def test_module_level(value, special):
    # Module-level test: no class hook. `value` is the fixture, `special` is missing.
    pass
