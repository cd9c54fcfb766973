import os
from unittest import mock
from unittest.mock import patch


@mock.patch("os.getcwd")
def test_patch(mock_getcwd, helper):
    assert helper == "helper"


@mock.patch("os.getcwd")
@patch.object(os.path, "exists")
def test_two_patches(mock_exists, mock_getcwd, helper, other):
    pass


@mock.patch("os.sep", new="/")
def test_patch_new(helper):
    pass


@patch.object(os, "name", new="posix")
@mock.patch("os.getcwd")
def test_patch_object_new(mock_getcwd, other):
    pass


class TestPatchedMethods:
    @mock.patch("os.getcwd")
    def test_method(self, mock_getcwd, helper):
        pass


@mock.patch("os.getcwd")
def test_patch_missing(mock_getcwd, not_a_fixture):
    pass
