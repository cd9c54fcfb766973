def test_dynamic(dyn_value):
    pass


def test_wrapped(wrapper):
    pass
