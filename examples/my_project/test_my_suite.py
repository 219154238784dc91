"""The example suite in pytest, through harness's plugin (fixture harness_suite)."""
from pathlib import Path

SUITE_FILE = Path(__file__).with_name("my_suite.py")


def test_every_run_finished(harness_suite):
    harness_suite(SUITE_FILE).finished()


def test_a_wider_net_needs_fewer_epochs(harness_suite):
    harness_suite(SUITE_FILE).supported("a wider net needs fewer epochs", width=32)
