"""One module per claim. Each defines SUITE (a harness.suite.Suite); test_*.py beside it asserts its robust parts at CI scale."""
