"""eventstudy: measure how news moves stock prices and market value."""

__version__ = "0.1.0"
