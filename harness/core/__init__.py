"""The foundation: names, the MLflow contract, the machine a result was measured on, processes and signals.

Imports nothing else of the harness. registry (name -> entry, errors that list the valid names),
contract (every MLflow name), names (registry, config and suite names read from source, no torch),
environment (device, threads, versions, commits), processes, interrupts, logs, errors.
"""
