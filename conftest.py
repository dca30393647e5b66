"""Fixtures every room's tests share."""

pytest_plugins = ["joinedup.common.browser_testing"]
