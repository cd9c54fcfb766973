from helpers.suites import Suite


class TestSuite(Suite):
    pass
