"""Tools for CI pipelines, built on the library: the nightly run's bookkeeping and the benchmark logger."""
