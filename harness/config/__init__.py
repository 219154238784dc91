"""One run's configuration: RunConfig (run_config), a frozen, validated dataclass whose hash is config_id, and its checks (checks)."""
