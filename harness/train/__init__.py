"""Where a model is fitted and where time is measured.

fit (the one Trainer.fit: train one config, train_group interleaved arms), timing (the timed region: training
steps only), lifecycle (every run opened, named and ended: FINISHED, FAILED, KILLED; measure, a run not fitted),
arms (one config made ready to fit), lockstep (arms stepped in turn in one fit), system (the LightningModule),
trainer (the one Trainer factory), stopping, callbacks, diagnostics, reuse (layer reuse).
"""
