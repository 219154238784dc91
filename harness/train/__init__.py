"""Where time is measured and a model is fitted: the LightningModule (system), the one Trainer (trainer), the timed region (timing),
stopping rules, callbacks, diagnostics, layer reuse, and the run lifecycle (runner, lockstep)."""
