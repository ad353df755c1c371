"""The LangChain runnable protocol: every chat model, chain, retriever and compiled LangGraph graph
has a sync ``invoke``/``stream``/``batch`` beside an async ``ainvoke``/``astream``/``abatch``.

There are hundreds of such classes across ``langchain_*`` packages, so the catalog matches them
by protocol rather than by name: a method of the protocol on a type from a LangChain or LangGraph
package blocks, unless the type only formats (prompt templates, output parsers), wraps the
project's own code (``RunnableLambda``, ``StructuredTool``) or merely routes to other runnables
(``RunnableParallel``, ``RunnablePassthrough``), whose cost is not known here.
"""

from __future__ import annotations

from fastapi_lint.analysis.catalog.blocking import COMPUTING, ON_NETWORK, Entry

# sync method -> its async counterpart
RUNNABLE_METHODS: dict[str, str] = {
    "invoke": "ainvoke",
    "stream": "astream",
    "batch": "abatch",
    "batch_as_completed": "abatch_as_completed",
    # Legacy ``Chain``/``LLM`` API
    "predict": "apredict",
    "predict_messages": "apredict_messages",
    "run": "arun",
    # Retrievers, vector stores and embeddings
    "get_relevant_documents": "ainvoke",
    "similarity_search": "asimilarity_search",
    "similarity_search_with_score": "asimilarity_search_with_score",
    "similarity_search_with_relevance_scores": "asimilarity_search_with_relevance_scores",
    "similarity_search_by_vector": "asimilarity_search_by_vector",
    "max_marginal_relevance_search": "amax_marginal_relevance_search",
    "add_documents": "aadd_documents",
    "add_texts": "aadd_texts",
    "from_documents": "afrom_documents",
    "from_texts": "afrom_texts",
    "embed_query": "aembed_query",
    "embed_documents": "aembed_documents",
}

# Words in a type's name that mark it as formatting, the project's own code, or routing only.
_QUIET_WORDS = ("Prompt", "Template", "Parser", "Splitter", "Passthrough", "Lambda", "Parallel", "Branch",
                "Message", "Tool", "Assign", "Pick", "Generator")

_ROOTS = ("langchain", "langchain_core", "langchain_community", "langgraph")

# Retrievers that keep their index in memory and call out to nothing: building one, or searching
# it, scores every document it holds on the calling thread (FAS104, not a wait on a peer).
_IN_MEMORY_INDEXES = frozenset({"BM25Retriever", "TFIDFRetriever"})
# Embeddings that run a model in the process (not a provider's API, nor a Hugging Face endpoint):
# embedding computes on the calling thread (FAS104's kind of cost, not a wait on a peer).
_LOCAL_EMBEDDINGS = frozenset({
    "HuggingFaceEmbeddings", "HuggingFaceBgeEmbeddings", "HuggingFaceInstructEmbeddings",
    "SentenceTransformerEmbeddings", "FastEmbedEmbeddings", "LlamaCppEmbeddings", "GPT4AllEmbeddings",
})

# The type a composition gives: ``prompt | model`` is a ``RunnableSequence`` that runs the model.
SEQUENCE = "langchain_core.runnables.RunnableSequence"
COMPILED_GRAPH = "langgraph.graph.state.CompiledStateGraph"

# Methods that give a runnable of the same kind: ``model.bind_tools(...)`` is still the model,
# ``prompt.partial(...)`` still a prompt.
_SAME_KIND = frozenset(
    "bind bind_tools with_config with_retry with_fallbacks with_types with_listeners configurable_fields "
    "configurable_alternatives partial from_messages from_template from_strings from_file as_retriever".split()
)

# What LangChain factories return
_FACTORIES: dict[str, str] = {
    "langchain.chat_models.init_chat_model": "langchain_core.language_models.BaseChatModel",
    "langchain.chat_models.base.init_chat_model": "langchain_core.language_models.BaseChatModel",
    "langgraph.prebuilt.create_react_agent": COMPILED_GRAPH,
    "langgraph.prebuilt.chat_agent_executor.create_react_agent": COMPILED_GRAPH,
    "langchain.agents.create_agent": COMPILED_GRAPH,
}


def is_langchain(path: str) -> bool:
    root = path.partition(".")[0]
    return root in _ROOTS or root.startswith("langchain_")


def returns(func_path: str) -> str | None:
    """The type a LangChain call gives, or None when it is not one this module knows."""
    known = _FACTORIES.get(func_path)
    if known is not None:
        return known
    owner, _, name = func_path.rpartition(".")
    if not owner or "()" in owner or not is_langchain(owner):
        return None
    if name in ("__or__", "__ror__", "pipe"):
        return SEQUENCE
    if name == "compile" and owner.rpartition(".")[2] == "StateGraph":
        return COMPILED_GRAPH
    if name == "with_structured_output":
        return SEQUENCE  # the model, then a parser
    if name == "as_retriever":
        return "langchain_core.vectorstores.VectorStoreRetriever"
    if name in _SAME_KIND:
        return owner
    return None


def is_runnable_call(path: str) -> bool:
    """A protocol method on a LangChain or LangGraph type, whatever the type."""
    owner, _, name = path.rpartition(".")
    return name in RUNNABLE_METHODS and is_langchain(owner)


_ENTRIES: dict[str, Entry] = {}


def match(path: str) -> Entry | None:
    """The entry for a protocol method on a LangChain or LangGraph type, or None."""
    owner, _, name = path.rpartition(".")
    async_name = RUNNABLE_METHODS.get(name)
    if async_name is None or not owner or not is_langchain(owner) or "." not in owner:
        return None
    type_name = owner.rpartition(".")[2]
    if not type_name[:1].isupper() or any(word in type_name for word in _QUIET_WORDS):
        return None
    if type_name in _IN_MEMORY_INDEXES:
        return Entry(path, "builds or searches an in-memory keyword index (BM25, TF-IDF), scoring every document "
                     "it holds on the calling thread", "`await asyncio.to_thread(...)`, or build the index once",
                     kind="cpu", waits=COMPUTING)
    if type_name in _LOCAL_EMBEDDINGS and name in ("embed_query", "embed_documents"):
        return Entry(path, "runs a local embedding model on the calling thread", f"`await ....{async_name}(...)`, "
                     "which runs it in a worker thread, or `await asyncio.to_thread(...)`", kind="cpu", waits=COMPUTING)
    found = _ENTRIES.get(name)
    if found is None:
        found = _ENTRIES[name] = Entry(
            f"langchain_core.runnables.Runnable.{name}",
            "runs a LangChain runnable synchronously (a model, retriever or graph that calls out over the "
            f"network; `{async_name}` is its async form)",
            f"`await ....{async_name}(...)`, the runnable's async method",
            resource=True,
            waits=ON_NETWORK,
        )
    return found
