def test_services(real_services_fixture):
    assert real_services_fixture["backend"] == "up"
