"""Weather providers (Open-Meteo, OpenWeatherMap) and the weather part of the daemon."""
