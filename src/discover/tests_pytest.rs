//! Comparisons with real pytest.
