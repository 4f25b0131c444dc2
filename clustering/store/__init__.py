"""Projects that outlive the browser tab: DuckDB tables and parquet label files under CLUSTERLAB_HOME."""

from clustering.store.config import Config, ConfigError, load_config
from clustering.store.data_refs import load_data, reference
from clustering.store.database import HOME_SETTING, SCHEMA_VERSION, StoreError, home
from clustering.store.export import export_config
from clustering.store.projects import DatasetRef, Store
from clustering.store.replay import run_config

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
