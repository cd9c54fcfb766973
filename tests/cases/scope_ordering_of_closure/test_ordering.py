def test_order(func_two, func_one, mod, sess_b, missing_one):
    pass


class TestOrder:
    def test_in_class(self, klass, func_two, pkg):
        pass
