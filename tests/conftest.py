"""Shared by every test folder: pytest puts this folder (tests/) on sys.path for it, so helper modules here
(age_helpers, privacy_guard) import by name from any subfolder."""
