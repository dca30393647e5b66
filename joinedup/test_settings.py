"""Test settings: the environment a test run sets, then the one settings module."""

import os

os.environ["JOINEDUP_MODE"] = "test"

from joinedup.settings import *  # noqa: E402,F403
