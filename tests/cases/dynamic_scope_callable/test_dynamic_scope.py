def test_consumer(consumer):
    pass
