"""mcarchive: scrape conference microconference/devroom programmes into SQLite for Datasette."""

__version__ = "0.1.0"
