"""fastapi-lint: finds what stalls a FastAPI service under load."""

__version__ = "0.1.0"

# The project's home (pyproject's [project.urls]; a test keeps the two equal), and where each
# rule's page lives in it (``docs/rules/FAS101.md``, made by ``fastapi-lint explain --all``).
REPOSITORY_URL = "https://github.com/fastapi-lint/fastapi-lint"
RULE_DOCS_URL = f"{REPOSITORY_URL}/blob/main/docs/rules"
