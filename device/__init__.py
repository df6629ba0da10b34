"""Mirrorball's on-device package: camera, faces and ages, weather, music policy and Spotify playback."""

__version__ = "0.1.0"
