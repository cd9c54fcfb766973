"""Several users talking to different agents at the same time, on staging."""


class TestMultiUserConcurrentSessions:
    def test_concurrent_users_different_agents(self, real_services, real_llm):
        assert real_services["backend"].startswith("https://")
        assert real_llm
