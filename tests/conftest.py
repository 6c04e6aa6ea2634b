"""Suite-wide set-up. Synthesis is shared through module/session fixtures in each test file."""

from __future__ import annotations

import os

from hypothesis import settings

# jsii prints an end-of-life banner for Node 20 at every kernel start.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# Property tests explore the same examples on every run (CI must not flake on a new seed), and
# take as long as a loaded 2-core CI machine needs.
settings.register_profile("constructs-obs", derandomize=True, deadline=None)
settings.load_profile("constructs-obs")

pytest_plugins = ["tests.support.fixtures"]
