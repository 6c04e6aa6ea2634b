"""Fixtures shared across test modules (registered in tests/conftest.py)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

import app as demo
from tests.support.harness import DEFAULT_ENV, Synthesized, synth

DEMO_CONTEXT = {"account": demo.DEMO_ACCOUNT, "region": demo.DEMO_REGION}


@pytest.fixture(scope="session")
def demo_app() -> Synthesized:
    """The demo app, synthesized once for the session through every check."""
    return synth("demo_app", demo.build, context=DEMO_CONTEXT)


@pytest.fixture
def stack() -> cdk.Stack:
    """A fresh stack in the suite's default environment, for construct-time error tests
    (nothing is synthesized)."""
    return cdk.Stack(cdk.App(), "Errors", env=DEFAULT_ENV)
