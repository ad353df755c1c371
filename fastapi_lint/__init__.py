"""fastapi-lint: finds what stalls a FastAPI service under load."""

__version__ = "0.1.0"

# The project's home (pyproject's [project.urls]; a test keeps the two equal). A rule's
# documentation is its module's docstring, read there (``api.rule_url``).
REPOSITORY_URL = "https://github.com/fastapi-lint/fastapi-lint"
RULES_URL = f"{REPOSITORY_URL}/tree/main/fastapi_lint/rules"
