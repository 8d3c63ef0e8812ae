"""emobatch: reproducible, money-safe emotion coding of social-media posts with Gemini Batch Mode."""

__version__ = "0.1.0"
