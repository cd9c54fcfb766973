def test_reexport(shared_db, helper_alias, helper):
    pass
