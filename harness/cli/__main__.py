"""`python -m harness.cli`: the command line, as the `harness` console script."""
import sys

from harness.cli.main import main

sys.exit(main())
