import unittest

import pytest


@pytest.mark.usefixtures("marked")
class TestCaseStyle(unittest.TestCase):
    def setUp(self):
        self.value = 1

    @pytest.fixture(autouse=True)
    def inject(self):
        self.injected = True

    def test_value(self):
        assert self.value == 1 and self.injected


class TestWithSetupClass(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shared = 2

    def test_shared(self):
        assert self.shared == 2
