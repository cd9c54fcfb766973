import pytest


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_llm(real_llm):
    assert real_llm == "llm"
