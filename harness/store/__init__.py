"""Where results go: the MLflow store. location (which store), remote (a tracking server), tracking (Tracker, the only writer),
queries (reading it back), invocations (finding invocations), resume (what the store already holds)."""
