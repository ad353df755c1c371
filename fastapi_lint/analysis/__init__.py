"""Facts about code. Nothing here imports ``fastapi_lint.rules``."""
