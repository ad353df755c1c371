"""CPU-heavy calls: they hold the event loop for milliseconds to seconds while computing."""

from __future__ import annotations

from fastapi_lint.analysis.catalog.blocking import Entry, _group, _methods

_OFFLOAD = "`await run_in_threadpool(...)` or `await asyncio.to_thread(...)`"

CPU_ENTRIES: list[Entry] = [
    *_group(
        "hashes a password, which is deliberately slow (tens to hundreds of milliseconds)",
        _OFFLOAD,
        [
            *_methods("passlib.context.CryptContext", "hash verify verify_and_update encrypt"),
            *_methods("bcrypt", "hashpw checkpw gensalt kdf"),
            *_methods("argon2.PasswordHasher", "hash verify"),
            "hashlib.pbkdf2_hmac",
            "hashlib.scrypt",
            *_methods("passlib.hash.bcrypt", "hash verify"),
            *_methods("passlib.hash.argon2", "hash verify"),
            *_methods("passlib.hash.pbkdf2_sha256", "hash verify"),
        ],
        kind="cpu",
    ),
    *_group(
        "decodes or transforms an image on the calling thread",
        _OFFLOAD,
        ["PIL.Image.open", *_methods("PIL.Image.Image", "resize thumbnail save convert rotate transform filter")],
        kind="cpu",
    ),
    *_group(
        "parses a whole data file into a data frame",
        _OFFLOAD,
        _methods("pandas", "read_csv read_excel read_parquet read_json read_sql read_table read_feather read_pickle"),
        kind="cpu",
    ),
    *_group(
        "loads or runs a machine-learning model on the calling thread",
        f"load the model once in the lifespan and run inference with {_OFFLOAD}",
        [
            "torch.load",
            "joblib.load",
            "transformers.pipeline",
            "sentence_transformers.SentenceTransformer",
            "sentence_transformers.SentenceTransformer.encode",
            "spacy.load",
        ],
        kind="cpu",
    ),
]
