def test_mocker(mocker):
    pass


def test_ports(unused_tcp_port, unused_tcp_port_factory):
    pass


class TestScoped:
    def test_class_mocker(self, class_mocker, module_mocker):
        pass

    def test_session_mocker(self, session_mocker, package_mocker):
        pass


def test_demo(demo_client, demo_named, demo_extra, demo_config):
    pass


def test_builtin_overrides(tmp_path, tmpdir, srcdemo_value):
    pass


def test_not_exported(demo_not_exported):
    pass


def test_conditional(demo_versioned, demo_toml):
    pass


def test_demo_uses_mocker(demo_uses_mocker):
    pass


def test_nothing_requested():
    pass
