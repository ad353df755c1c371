"""CPU-heavy calls: they hold the event loop for milliseconds to seconds while computing.

Their tier is ``Tier.WAIT``: a hash or an inference holds the loop as long as a slow peer
does, so a chain that reaches one is reported by it over a file read on the way.

Some entries name a type rather than a method (``transformers.Pipeline``,
``spacy.language.Language``): calling an instance of it runs the model, and
constructing one loads it; both are heavy.
"""

from __future__ import annotations

from fastapi_lint.analysis.catalog.blocking import COMPUTING, Entry, each, group, methods
from fastapi_lint.analysis.catalog.factories import PASSLIB_HANDLERS

_OFFLOAD = "`await run_in_threadpool(...)` or `await asyncio.to_thread(...)`"

_AUTO_CLASSES = (
    "AutoModel AutoTokenizer AutoProcessor AutoModelForCausalLM AutoModelForSeq2SeqLM "
    "AutoModelForSequenceClassification AutoModelForTokenClassification AutoModelForQuestionAnswering"
)

CPU_ENTRIES: list[Entry] = [
    *group(
        "hashes a password, which is deliberately slow (tens to hundreds of milliseconds)",
        _OFFLOAD,
        [
            *methods("passlib.context.CryptContext", "hash verify verify_and_update encrypt dummy_verify"),
            *each(" ".join(f"passlib.hash.{h}" for h in PASSLIB_HANDLERS), "hash verify encrypt"),
            *methods("pwdlib.PasswordHash", "hash verify verify_and_update"),
            *methods("bcrypt", "hashpw checkpw kdf"),  # gensalt only reads os.urandom: cheap
            *methods("argon2.PasswordHasher", "hash verify"),
            *methods("argon2.low_level", "hash_secret hash_secret_raw verify_secret"),
            # PyNaCl's password hashing (libsodium's argon2 and scrypt)
            *methods("nacl.pwhash", "str verify kdf"),
            *each("nacl.pwhash.argon2i nacl.pwhash.argon2id nacl.pwhash.scrypt", "str verify kdf"),
            "hashlib.pbkdf2_hmac",
            "hashlib.scrypt",
        ],
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        # A password-based key derivation is slow by its rounds (``PBKDF2HMAC(iterations=600_000)``,
        # given to the constructor, not to ``derive``). Naming these also makes ``cryptography``
        # and PyCryptodome packages the catalog covers: their other calls (a cipher, a signature,
        # a hash) compute for microseconds and are not followed into their source.
        "derives a key from a secret over many rounds, which is deliberately slow (tens to hundreds of milliseconds)",
        _OFFLOAD,
        [
            *each("cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC cryptography.hazmat.primitives.kdf.scrypt.Scrypt",
                  "derive verify"),
            *each("Crypto.Protocol.KDF Cryptodome.Protocol.KDF", "PBKDF2 scrypt bcrypt bcrypt_check"),
        ],
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        "generates an RSA key pair, a search for two large primes (a tenth of a second for 2,048 bits, "
        "seconds for 4,096)",
        _OFFLOAD,
        [
            "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key",
            "Crypto.PublicKey.RSA.generate",
            "Cryptodome.PublicKey.RSA.generate",
        ],
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        # ``Image.open`` only reads the header: decoding happens on first use.
        "decodes or transforms an image on the calling thread",
        _OFFLOAD,
        [
            *methods("PIL.Image.Image", "load resize thumbnail save convert rotate transform filter reduce quantize"),
            *methods("PIL.ImageOps", "fit contain pad"),
        ],
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        # Decoding a compressed file and resampling it take as long as the clip, on the calling thread.
        "decodes an audio file (and resamples it) on the calling thread",
        _OFFLOAD,
        ["librosa.load", "librosa.resample", "torchaudio.load"],
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        # Pure-Python statistics over every byte: seconds on a few megabytes.
        "guesses a text encoding by running statistics over the whole input",
        f"`charset_normalizer` on a bounded prefix of the bytes, or {_OFFLOAD}",
        [
            *methods("chardet", "detect detect_all"),
            *methods("charset_normalizer", "detect from_bytes from_path"),
        ],
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        "parses a whole data file into a data frame",
        _OFFLOAD,
        methods(
            "pandas",
            "read_csv read_excel read_parquet read_json read_sql read_sql_query read_sql_table read_table "
            "read_feather read_pickle read_html read_xml read_orc read_fwf read_stata read_sas read_spss",
        ) + methods("pyreadstat", "read_sas7bdat read_sas7bcat read_xport read_dta read_sav read_por"),
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        # Their constructors read the whole file (a PDF's cross-reference table, a Word or
        # PowerPoint file's zipped XML); the text extraction that follows is the longer part.
        "reads and parses a whole document (PDF, Word, PowerPoint, Excel)",
        _OFFLOAD,
        [
            "pypdf.PdfReader",
            "PyPDF2.PdfReader",
            "PyPDF2.PdfFileReader",
            "pdfminer.high_level.extract_text",
            "pdfminer.high_level.extract_pages",
            "docx2txt.process",
            "docx.Document",
            "pptx.Presentation",
            "openpyxl.load_workbook",
            # PyMuPDF: opening a document parses its cross-reference table and page tree
            "fitz.open",
            "pymupdf.open",
        ],
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        # WeasyPrint lays out the whole document in Python before it writes a byte
        "lays out and renders HTML to PDF (WeasyPrint)",
        _OFFLOAD,
        each("weasyprint.HTML weasyprint.Document", "write_pdf render"),
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        # ReportLab's platypus flows and paginates every element when it builds the document
        "lays out and writes a PDF document (ReportLab)",
        _OFFLOAD,
        [
            *each("reportlab.platypus.SimpleDocTemplate reportlab.platypus.BaseDocTemplate "
                  "reportlab.platypus.doctemplate.SimpleDocTemplate", "build multiBuild"),
            "reportlab.pdfgen.canvas.Canvas.save",
        ],
        kind="cpu",
        waits=COMPUTING,
    ),
    *group(
        "loads or runs a machine-learning model on the calling thread",
        f"a model loaded once in the lifespan, and inference run with {_OFFLOAD}",
        [
            "torch.load",
            "joblib.load",
            "transformers.pipeline",
            "transformers.Pipeline",
            *each(" ".join(f"transformers.{c}" for c in _AUTO_CLASSES.split()), "from_pretrained"),
            # a loaded model's inference: its forward pass (calling it), generation, and the chat
            # methods models loaded with ``trust_remote_code`` add (ChatGLM, Qwen, InternVL)
            "transformers.PreTrainedModel",
            # a PyTorch module's forward pass: calling one, the project's own subclasses included
            "torch.nn.Module",
            "torch.nn.modules.module.Module",
            *methods("transformers.PreTrainedModel", "generate forward chat stream_chat stream_generate"),
            "sentence_transformers.SentenceTransformer",
            "sentence_transformers.SentenceTransformer.encode",
            "sentence_transformers.CrossEncoder",
            "sentence_transformers.CrossEncoder.predict",
            "spacy.load",
            "spacy.language.Language",
            "spacy.language.Language.pipe",
            # speech recognition: a model load, and seconds of inference per clip
            "whisper.load_model",
            *methods("whisper.model.Whisper", "transcribe detect_language decode"),
            "whisper.transcribe",
            "faster_whisper.WhisperModel",
            *methods("faster_whisper.WhisperModel", "transcribe detect_language"),
            "whisperx.load_model",
            *methods("whisperx.asr.FasterWhisperPipeline", "transcribe detect_language"),
            # docling: building a converter loads its layout and table models; converting runs them
            "docling.document_converter.DocumentConverter",
            *methods("docling.document_converter.DocumentConverter", "convert convert_all"),
            # marker: a PDF through its layout, OCR and ordering models (seconds per page)
            "marker.convert.convert_single_pdf",
            "marker.models.load_all_models",
            "marker.models.create_model_dict",
            "marker.converters.pdf.PdfConverter",
            "marker.converters.pdf.PdfConverter.__call__",
        ],
        kind="cpu",
        waits=COMPUTING,
    ),
]
