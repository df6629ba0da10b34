"""Configuration: the typed schema, the validating loader and secret lookup."""

from device.config.loader import ConfigError, Problem, load_config, parse_config
from device.config.schema import Config

__all__ = ["Config", "ConfigError", "Problem", "load_config", "parse_config", "secret_warnings"]


def secret_warnings(config: Config, path) -> list[str]:
    """Warnings for secrets written inline in a config file that group or others can read."""
    from device.config.secrets import readable_by_others

    inline = []
    if config.spotify.client_secret:
        inline.append("spotify.client_secret")
    if config.weather.api_key:
        inline.append("weather.api_key")
    if config.mqtt.password:
        inline.append("mqtt.password")
    if inline and readable_by_others(path):
        return [f"{path}: holds {', '.join(inline)} but is readable by group/others: "
                f"run 'chmod 600 {path}' or move the secret to a credential file (see README, Secrets)"]
    return []
