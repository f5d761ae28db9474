"""ozmap-simulator: an offline, stateful stand-in for the OZmap FTTH inventory API."""
__version__ = "0.1.0"
