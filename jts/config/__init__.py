"""Settings: one pydantic-settings model fed by a TOML file and JTS_* environment variables.

Start with `load_config` (file + environment + command-line overrides, with the source of each
value) or `load_settings`; hand each component only its own frozen section
(``settings.database``, ``settings.bus``...).
"""

from jts.config.components import (
    BrokersConfig,
    BusConfig,
    DatabaseConfig,
    KisConfig,
    LoggingConfig,
    NodeConfig,
)
from jts.config.loading import (
    CONFIG_ENV_VAR,
    LoadedConfig,
    Override,
    env_var_name,
    load_config,
    load_settings,
    locate_config_file,
    read_config_file,
)
from jts.config.render import masked_values, to_json, to_toml
from jts.config.settings import Settings, default_database_url
from jts.config.urls import mask_url_password

__all__ = [
    "CONFIG_ENV_VAR",
    "BrokersConfig",
    "BusConfig",
    "DatabaseConfig",
    "KisConfig",
    "LoadedConfig",
    "LoggingConfig",
    "NodeConfig",
    "Override",
    "Settings",
    "default_database_url",
    "env_var_name",
    "load_config",
    "load_settings",
    "locate_config_file",
    "mask_url_password",
    "masked_values",
    "read_config_file",
    "to_json",
    "to_toml",
]
