def test_cfg(cfg):
	assert cfg["k"] == 1
