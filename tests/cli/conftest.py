"""Fixtures for the command line's tests."""

import pytest

from backprop.cli import main as cli


@pytest.fixture
def run(capsys):
    """run(argv) -> (exit code, stdout, stderr) of ``python -m backprop argv`` in this process."""

    def call(argv):
        code = cli.main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return call
