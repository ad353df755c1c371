"""How a lint run executes: read ``pipeline.py`` first.

The package imports nothing when it is imported: each module is loaded where it is used, so
that a caller that needs one piece (the flake8 plugin, the CLI's ``clean``) pays for no other.
"""
