"""Fixtures of the fireworks-ai 1.2.30 control-plane suite: one emulator process for the whole
session, whose jobs end after two polls of their getter."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import fwemu  # noqa: E402


@pytest.fixture(scope="session")
def emulator():
    running = fwemu.start("--job-polls", "2")
    yield running
    running.stop()
