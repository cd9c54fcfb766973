def test_sub_client(demo_client, unused_udp_port):
    pass
