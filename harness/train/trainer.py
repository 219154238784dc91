"""The shared trainer: one factory every suite and the CLI use."""
from __future__ import annotations

import pytorch_lightning as pl

from harness.config.run_config import RunConfig


def make_trainer(config: RunConfig, callbacks: list[pl.Callback], **overrides) -> pl.Trainer:
    """A Lightning Trainer with nothing inside the timed region but training steps.

    Progress bars, checkpoints, the model summary and Lightning's own logger are off: the harness
    logs to MLflow once per epoch from a callback, after validation. `overrides` pass straight to
    the Trainer for users who want Lightning features back (their cost then shows in the timings).
    """
    kwargs = dict(
        max_epochs=config.max_epochs,
        accelerator="gpu" if config.device == "cuda" else "cpu",
        devices=config.devices,
        strategy=config.strategy,
        precision="32-true",  # the 'epoch' loop calls backward directly, so no precision plugin may apply
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,  # a sanity pass would add untimed-but-real work before epoch 1
        check_val_every_n_epoch=1,  # convergence is judged every epoch
        use_distributed_sampler=False,  # batches are sliced from in-memory tensors, not a DataLoader
        callbacks=callbacks,
    )
    kwargs.update(overrides)
    return pl.Trainer(**kwargs)
