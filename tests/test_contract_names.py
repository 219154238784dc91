"""The MLflow contract (harness.core.contract) is the only place a metric or tag name the harness writes or reads is
spelt: every other module of harness/ and suites/ takes the name from there (issue 22)."""
from __future__ import annotations

import ast
from pathlib import Path

from harness.core import contract

ROOT = Path(__file__).resolve().parents[1]
# Names that are also plain words or config fields elsewhere (a RunConfig field, an argument) are left out: a literal
# 'seeds' or 'device' is not a claim about the store. What is checked: the metrics and the run tags.
CHECKED = {*contract.SUMMARY_METRICS, *contract.EPOCH_METRICS, *contract.EPOCH_EXTRA_METRICS, *contract.MC_METRICS,
           contract.STOP_REASON_TAG, contract.CONFIG_ID_TAG, contract.REUSED_FROM_TAG, contract.RESTORED_EPOCH,
           contract.N_CONFIGS_TAG, contract.LOSS_GAP, contract.LOSS_GAP_AT_MATCH, contract.MATCH_EPOCH,
           contract.NEAR_ZERO_SHARE, contract.MC_LATENCY_RATIO, contract.MC_SECONDS_PER_PASS,
           *(v for k, v in vars(contract).items() if k.endswith("_TAG") and isinstance(v, str))}
# where the names are defined, and the facade's table of public names (its keys are Python names, e.g. the measure
# function final_val_acc, not stored names)
OWNERS = {"harness/core/contract.py", "harness/__init__.py"}


def docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def spelt_outside_the_contract(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted([*(root / "harness").rglob("*.py"), *(root / "suites").rglob("*.py")]):
        rel = path.relative_to(root).as_posix()
        if rel in OWNERS:
            continue
        tree = ast.parse(path.read_text())
        skip = docstrings(tree)
        found += [f"{rel}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CHECKED
                  and id(node) not in skip]
    return found


def test_checked_names_are_the_contracts():
    assert {"final_val_acc", "median_epoch_time_s", "converged", "val/acc", "stop_reason"} <= CHECKED


def test_no_module_spells_a_contract_name_itself():
    assert spelt_outside_the_contract() == []


def test_the_scan_finds_a_name_spelt_in_code(tmp_path):
    """The scan is not blind: a literal in code is found (in an f-string too), one in a docstring is not."""
    module = tmp_path / "harness" / "m.py"
    module.parent.mkdir()
    module.write_text('"""Reads final_val_acc."""\nx = row["final_val_acc"]\ny = f"{row[\'stop_reason\']}"\n')
    assert spelt_outside_the_contract(tmp_path) == ["harness/m.py:2: 'final_val_acc'", "harness/m.py:3: 'stop_reason'"]
