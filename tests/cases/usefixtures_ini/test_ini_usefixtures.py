def test_ini(ini_first):
    pass
