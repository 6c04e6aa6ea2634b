"""Suite-wide set-up. Synthesis is shared through module/session fixtures in each test file."""

from __future__ import annotations

import os

# jsii prints an end-of-life banner for Node 20 at every kernel start.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
