"""Home Assistant over MQTT: discovery, states and commands (the `mqtt` config section; off by default)."""
