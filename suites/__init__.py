"""One module per claim. Each defines SUITE (a harness.judge.suite.Suite); test_*.py beside it asserts its robust parts at CI scale."""
