class Suite:
    def test_inherited(self, token):
        assert token == "t"
