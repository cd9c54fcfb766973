def test_url_outside(db_url):
    # tests/db/conftest.py is not on this module's path: its hook is not called here.
    pass
