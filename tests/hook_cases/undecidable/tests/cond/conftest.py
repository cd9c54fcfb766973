import os


def pytest_generate_tests(metafunc):
    # The condition reads the process environment: decided at run time.
    if os.environ.get("FIXMIG_HOOK_CLOUD") and "cloud" in metafunc.fixturenames:
        metafunc.parametrize("cloud", ["aws", "gcp"])
    if "mode" in metafunc.fixturenames:
        metafunc.parametrize("mode", ["m"], indirect=os.environ.get("FIXMIG_HOOK_INDIRECT") == "1")
