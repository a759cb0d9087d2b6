"""Settings: one pydantic-settings model fed by a TOML file and JTS_* environment variables."""
