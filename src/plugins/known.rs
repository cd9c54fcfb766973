//! Well-known plugins' fixtures, for "`mocker` is provided by pytest-mock, which is not
//! installed" hints, and the fixtures plugins have removed, with what replaced them.

/// A well-known plugin and the fixtures it provides.
#[derive(Debug, Clone, Copy)]
pub struct KnownPlugin {
    pub distribution: &'static str,
    pub fixtures: &'static [&'static str],
}

/// Fixture names of popular plugins, for "provided by X, which is not installed" hints.
pub const KNOWN_PLUGINS: &[KnownPlugin] = &[
    KnownPlugin {
        distribution: "pytest-mock",
        fixtures: &[
            "mocker",
            "class_mocker",
            "module_mocker",
            "package_mocker",
            "session_mocker",
        ],
    },
    KnownPlugin {
        distribution: "pytest-asyncio",
        fixtures: &[
            "event_loop_policy",
            "unused_tcp_port",
            "unused_tcp_port_factory",
            "unused_udp_port",
            "unused_udp_port_factory",
        ],
    },
    KnownPlugin {
        distribution: "pytest-django",
        fixtures: &[
            "db",
            "transactional_db",
            "django_db_reset_sequences",
            "django_db_serialized_rollback",
            "django_db_setup",
            "django_db_blocker",
            "django_db_keepdb",
            "django_db_createdb",
            "django_db_modify_db_settings",
            "django_db_use_migrations",
            "client",
            "async_client",
            "admin_client",
            "admin_user",
            "django_user_model",
            "django_username_field",
            "rf",
            "async_rf",
            "settings",
            "live_server",
            "mailoutbox",
            "django_assert_num_queries",
            "django_assert_max_num_queries",
            "django_capture_on_commit_callbacks",
        ],
    },
    KnownPlugin {
        distribution: "pytest-benchmark",
        fixtures: &["benchmark", "benchmark_weave"],
    },
    KnownPlugin {
        distribution: "pytest-httpx",
        fixtures: &["httpx_mock"],
    },
    KnownPlugin {
        distribution: "pytest-localserver",
        fixtures: &["httpserver", "httpsserver", "smtpserver"],
    },
    KnownPlugin {
        distribution: "pytest-httpserver",
        fixtures: &["httpserver", "httpserver_listen_address", "make_httpserver"],
    },
    KnownPlugin {
        distribution: "pytest-qt",
        fixtures: &[
            "qapp",
            "qtbot",
            "qapp_args",
            "qapp_cls",
            "qtlog",
            "qtmodeltester",
        ],
    },
    KnownPlugin {
        distribution: "anyio",
        fixtures: &[
            "anyio_backend",
            "anyio_backend_name",
            "anyio_backend_options",
            "free_tcp_port",
            "free_tcp_port_factory",
            "free_udp_port",
            "free_udp_port_factory",
        ],
    },
    KnownPlugin {
        distribution: "pytest-xdist",
        fixtures: &["worker_id", "testrun_uid"],
    },
    KnownPlugin {
        distribution: "pytest-cov",
        fixtures: &["cov", "no_cover"],
    },
    KnownPlugin {
        distribution: "pytest-aiohttp",
        fixtures: &["aiohttp_client", "aiohttp_server", "aiohttp_raw_server"],
    },
    KnownPlugin {
        distribution: "requests-mock",
        fixtures: &["requests_mock"],
    },
    KnownPlugin {
        distribution: "pytest-freezer",
        fixtures: &["freezer"],
    },
    KnownPlugin {
        distribution: "time-machine",
        fixtures: &["time_machine"],
    },
    KnownPlugin {
        distribution: "pytest-subprocess",
        fixtures: &["fp", "fake_process"],
    },
    KnownPlugin {
        distribution: "pytest-datadir",
        fixtures: &["datadir", "shared_datadir", "original_datadir"],
    },
    KnownPlugin {
        distribution: "syrupy",
        fixtures: &["snapshot"],
    },
    KnownPlugin {
        distribution: "pytest-recording",
        fixtures: &["vcr", "vcr_config", "vcr_cassette_dir"],
    },
];

/// Fixtures pytest-asyncio no longer provides, with what replaced them.
pub const REMOVED_FIXTURES: &[(&str, &str, &str)] = &[(
    "event_loop",
    "pytest-asyncio",
    "pytest-asyncio 1.0 removed the `event_loop` fixture; use `asyncio.get_running_loop()` in an async test, or `loop_scope=` on the asyncio mark",
)];

/// The well-known plugins providing a fixture named `name`.
pub fn known_providers(name: &str) -> Vec<&'static KnownPlugin> {
    KNOWN_PLUGINS
        .iter()
        .filter(|k| k.fixtures.contains(&name))
        .collect()
}
