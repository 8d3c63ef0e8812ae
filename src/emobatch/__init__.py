"""emobatch: reproducible, money-safe emotion coding of social-media posts (Gemini Batch)."""

__version__ = "0.1.0"
