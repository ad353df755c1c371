"""fastapi-lint: finds what stalls a FastAPI service under load."""

__version__ = "0.1.0"
