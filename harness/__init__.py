"""harness: textbook claims about training deep networks, measured and judged."""

__version__ = "0.1.0"
