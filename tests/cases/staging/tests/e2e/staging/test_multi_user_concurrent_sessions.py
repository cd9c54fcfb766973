class TestMultiUserConcurrentSessions:
    def test_concurrent_users_different_agents(self, real_services, real_llm):
        assert real_services and real_llm

    def test_staging_services_available(self, staging_services_fixture):
        assert staging_services_fixture["staging"]
