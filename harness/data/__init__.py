"""Where data comes from: the dataset registry and loaders (datasets), and the DataModule that splits and serves them (datamodule)."""
