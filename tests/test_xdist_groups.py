"""The test run's spread over pytest-xdist workers (tests/xdist_groups.py) works with the pytest installed here."""
from __future__ import annotations

import pytest

from tests.xdist_groups import group_of, suite_group


def test_xdist_can_put_a_group_on_one_worker_with_this_pytest(request, monkeypatch):
    """--dist loadgroup works by renaming each grouped test's node id (`<id>@<group>`) in the worker; a pytest whose
    node ids cannot be renamed that way (9.2 with pytest-xdist 3.8) makes it spread a group over every worker,
    silently: each worker then starts its own servers and trains each suite again."""
    from xdist.remote import WorkerInteractor

    item, before = request.node, request.node.nodeid
    item.add_marker(pytest.mark.xdist_group("probe"))
    monkeypatch.setattr(request.config.option, "loadgroup", True, raising=False)
    try:
        WorkerInteractor.pytest_collection_modifyitems(None, request.config, [item])  # xdist's own renaming
        renamed = item.nodeid
    finally:
        item._nodeid = before
    groups = sorted(str(m.args[0]) if m.args else m.kwargs.get("name", "default")
                    for m in item.iter_markers("xdist_group"))  # under -n, this test's own group too
    assert "probe" in groups and renamed == f"{before}@{'_'.join(groups)}"


def test_a_suites_own_tests_share_its_group_with_its_command_line_run(request):
    from suites import bn_walltime  # noqa: F401 -- a shipped suite module, with its SUITE

    class Item:  # what group_of reads of a collected test
        fixturenames = ["suite_run", "tmp_path"]
        module = bn_walltime
        path = request.path.parents[1] / "suites" / "test_bn_walltime.py"

    assert group_of(Item()) == suite_group("bn-walltime")
    Item.fixturenames = ["mlflow_server", "suite_run"]
    assert group_of(Item()) == "services"
    Item.fixturenames, Item.module, Item.nodeid = ["tmp_path"], pytest, "tests/test_x.py::test_y[1]"
    assert group_of(Item()) == "tests/test_x.py"  # its module: a module fixture made once
