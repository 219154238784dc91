"""One module per claim. Each defines SUITE (a harness.Suite), a declaration that imports only `harness`; its tests are
tests/suites/test_<name>.py, asserting its robust parts at CI scale."""
