"""Normalize: parsed records → archive rows (ids, times, sanitized text, merges). No I/O."""
