"""Executing a suite: options (execution), executors (serial, worker pool, Ray: cluster), preflight checks, interleaved arms,
the pipeline (plan -> execute -> judge -> record) and the judged record on the parent run (judging)."""
