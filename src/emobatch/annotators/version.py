"""The dictionary annotator's version, importable without loading the lexicon or the tagger."""

LEXICON_VERSION: str = "1.0.0"
"""Version of the cue lists and modifiers; bump it whenever a file in ``lexicon/`` changes."""

MODEL_VERSION: str = f"emobatch-lexicon-{LEXICON_VERSION}"
"""What the annotator reports as ``modelVersion``: never a Gemini model's name."""
