"""Shared by every test folder: pytest puts this folder (tests/) on sys.path for it, so helper modules here
(age_helpers, privacy_guard) import by name from any subfolder."""

import property_settings  # noqa: F401  (registers the `ci` and `fuzz` profiles)
from hypothesis import settings

# make test runs the property tests derandomized; make fuzz passes --hypothesis-profile=fuzz (loaded after this).
settings.load_profile("ci")
