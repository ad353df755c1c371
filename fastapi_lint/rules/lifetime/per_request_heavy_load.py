from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.catalog.clients import CONFIG_PARSERS, HEAVY_LOADS, PRETRAINED_PACKAGES
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import Value
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.request_path import where
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class PerRequestHeavyLoad(Rule):
    """A model or configuration file loaded on the request path.

    ## What it does
    Finds loads that belong at startup made in code that runs per request:
    `joblib.load`, `pickle.load`, `torch.load`, `*.from_pretrained(...)`,
    `transformers.pipeline`, `SentenceTransformer(...)`, `spacy.load`, and
    configuration files parsed from a literal path
    (`yaml.safe_load(open("config.yaml"))`).

    ## Why is this bad?
    Loading a model takes from hundreds of milliseconds to minutes and holds
    its memory twice while the old copy is collected; per request it dominates
    latency and can exhaust memory under concurrency.

    ## Known problems
    A load that is memoized some other way (a module-level dict used as a
    cache) is still reported. A `pickle.load` (or `joblib.load`) in a class whose
    methods also `pickle.dump` (`joblib.dump`), or in a module whose functions do,
    reads back data it wrote itself (a job's spilled batches, a disk cache's
    entries), not a model: not reported. In an `async def`, a load that FAS104 reports
    (it holds the event loop) is not reported again here.

    ## Example
    ```python
    import joblib
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/predict")
    def predict(features: list[float]):
        model = joblib.load("model.joblib")
        return {"y": model.predict([features]).tolist()}
    ```

    ## Use instead
    ```python
    from functools import lru_cache

    import joblib
    from fastapi import FastAPI

    app = FastAPI()


    @lru_cache
    def get_model():
        return joblib.load("model.joblib")


    @app.post("/predict")
    def predict(features: list[float]):
        return {"y": get_model().predict([features]).tolist()}
    ```

    ## Fix safety
    No automatic fix.
    """

    @staticmethod
    def _cpu_on_loop(context: Context, is_async: bool, path: str) -> bool:
        """In an async function a catalogued model load is FAS104's (it holds the loop): report it once."""
        entry = context.catalog.match(path)
        return is_async and entry is not None and entry.kind == "cpu"

    code = "FAS202"
    name = "per-request-heavy-load"
    severity = Severity.ERROR
    per_request = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project, model = context.project, context.model
        for call in context.calls_per_request_reported():
            path = call.ref.path
            what = HEAVY_LOADS.get(path)
            if what is None and path.endswith(".from_pretrained") and path.startswith(PRETRAINED_PACKAGES):
                what = _pretrained(path)
            if what is None and path in CONFIG_PARSERS and call.site.args and _opens_literal(project, call.site.args[0]):
                what = "parses a configuration file"
            if what is None or self._cpu_on_loop(context, call.located.function.is_async, path) \
                    or _reads_back_its_own(project, call.located, path):
                continue
            yield self.report(
                call.located,
                call.site.span,
                f"`{call.site.text}` {what} on every request in {where(project, model, call.located, call.root)}",
                help="Load it once: in the app's `lifespan`, at module level, or in an `@lru_cache` function",
            )


# What writes the files a loader reads: a class (or a module) that does both keeps its own data.
_WRITERS = {"pickle.load": "pickle.dump", "joblib.load": "joblib.dump"}


def _reads_back_its_own(project: Project, located: Located, path: str) -> bool:
    """``pickle.load`` in a class whose methods also ``pickle.dump`` (a module's functions, for a
    function outside any class): data it spilled to disk itself (a job's batches, a disk cache's
    entries), read back; not a model to load once at startup."""
    writer = _WRITERS.get(path)
    if writer is None:
        return False
    owner = located.function.class_path
    return any(site.func is not None and project.resolve(site.func).path == writer
               for function in located.module.functions if function.class_path == owner for site in function.calls)


def _pretrained(path: str) -> str:
    """What ``X.from_pretrained`` loads, by the class: a tokenizer, a processor and a configuration
    come from small files, parsed again on every call; a model's weights are the heavy part."""
    loaded = path.rpartition(".from_pretrained")[0].rpartition(".")[2]
    if "Tokenizer" in loaded:
        return "loads a tokenizer from its files (vocabulary, merges)"
    if loaded.endswith(("Processor", "FeatureExtractor")):
        return "loads a processor from its files"
    if loaded.endswith("Config"):
        return "parses a model's configuration files"
    return "loads pretrained weights"


def _opens_literal(project: Project, value: Value) -> bool:
    """``open("config.yaml")``: a file named in the code, so the same on every request."""
    call = value.call
    if call is None or not call.args or call.args[0].kind != "str":
        return False
    return project.resolve(call.func).path in ("builtins.open", "io.open")
