from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.extract.parse import PARSE_ERROR_CODE, PARSE_ERROR_NAME
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class ParseError(Rule):
    """A file could not be read or parsed.

    ## What it does
    Reports a file that is not valid Python for the interpreter running the
    linter, or whose bytes cannot be decoded: a syntax error, a bad coding
    cookie, a NUL byte, nesting too deep for the parser.

    ## Why is this bad?
    Nothing in the file can be checked, so every other rule is silent on it.
    The rest of the project is still linted.

    ## Known problems
    Facts are read with the running interpreter's parser: code using syntax
    newer than that Python (``type`` statements on 3.11, say) is reported here.
    Run the linter with the Python version your service targets.

    In a project with an app, the default scope reports a file that does not
    parse only when a module the app loads imports it: notes saved as ``.py``
    or a one-off script nothing imports cannot stall the server
    (``--scope all`` shows them). Neither can a broken copy of a module
    whose name a file that parses holds (a code generator's template of
    ``app/version.py`` beside the real one): imports of that name find the
    one that parses. Nor can a code generator's Jinja template named ``.py``
    (a cookiecutter's ``{% if %}``, ``{{ name }}`` where the parser stops):
    its message says so. Without an app, every such file is reported.

    ## Example
    ```python
    async def broken(:
        pass
    ```

    ## Use instead
    ```python
    async def fixed():
        pass
    ```
    """

    code = PARSE_ERROR_CODE
    name = PARSE_ERROR_NAME
    severity = Severity.ERROR

    def check(self, context: Context) -> Iterator[Diagnostic]:
        return iter(())  # produced while parsing, in phase 1
