"""Fixtures for the report tests; the data itself is in report_sample.py."""
from __future__ import annotations

import pytest

from report_sample import make_input
from westlake_feedback.reports.data import compute


@pytest.fixture(scope="session")
def sample_input():
    return make_input()


@pytest.fixture(scope="session")
def sample_stats(sample_input):
    return compute(sample_input)


@pytest.fixture
def input_factory():
    return make_input
