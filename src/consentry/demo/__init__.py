"""Sample data for ``consentry demo`` (see data/SOURCES.md)."""
