"""consentry: creators consent and AI-use terms registry."""

__version__ = "0.1.0"
