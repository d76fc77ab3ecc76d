"""The browser fixtures of tests/dashboard (Debian's Chromium, the seeded live server),
shared with this folder's tests."""

from tests.dashboard.conftest import (  # noqa: F401 (fixtures)
    browser_context_args,
    browser_type_launch_args,
    console_guard,
    shoot,
    site,
)
