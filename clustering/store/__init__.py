"""Projects that outlive the browser tab: DuckDB tables and parquet label files under CLUSTERLAB_HOME."""

from clustering.store.config import Config, ConfigError, export_config, load_config, load_data, reference, run_config
from clustering.store.database import HOME_SETTING, SCHEMA_VERSION, StoreError, home
from clustering.store.projects import DatasetRef, Store

__all__ = [
    "HOME_SETTING",
    "SCHEMA_VERSION",
    "Config",
    "ConfigError",
    "DatasetRef",
    "Store",
    "StoreError",
    "export_config",
    "home",
    "load_config",
    "load_data",
    "reference",
    "run_config",
]
