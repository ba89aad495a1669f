"""The benchmark behind `make bench` (bench/run.py) and its synthetic archive."""
