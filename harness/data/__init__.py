"""Where data comes from: the dataset registry and loaders (datasets), a configuration's split as plain tensors (splits),
and the DataModule that serves it to Lightning (datamodule)."""
