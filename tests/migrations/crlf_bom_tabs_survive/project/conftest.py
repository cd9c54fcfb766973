import pytest  


@pytest.fixture
def cfg():
	return {"k": 1}   
