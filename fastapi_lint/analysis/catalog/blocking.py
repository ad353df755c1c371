"""The blocking catalog: calls that hold the thread until I/O or a computation ends.

Over 500 lines: a data table, one group of calls per library; splitting it would split one list.

Each group says why its calls block and what to use instead; messages quote
both. Patterns are exact dotted paths, or a prefix ending in ``.*`` that matches
every member below it. Paths of methods use the type's public name
(``sqlalchemy.orm.Session.execute``); see ``factories.py`` for the spellings folded
into it and for what factories return. Only calls whose blocking is certain
belong here: when unsure, leave it out (a false alarm costs more than a missed
one). So are left out, on purpose: calls that only build a lazy object
(``Collection.find``, ``Client.bucket``, ``list_blobs``, ``scan_iter``; a cursor or a query
that is iterated where it is made is ``iterated.py``'s),
fetches from client-side cursors that already hold every row (psycopg,
PyMySQL, MySQLdb), and calls whose argument may be in memory
(``zipfile.ZipFile(io.BytesIO(...))``, ``yaml.safe_load(text)``).

Async counterparts (``redis.asyncio``, ``httpx.AsyncClient``, ``AsyncOpenAI``,
``motor``, ``aioboto3``, ``AsyncSession``, ...) live under other paths and so
never match; their calls are awaited anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum

from fastapi_lint.analysis.facts import CallSite, Ref, RefKind, Value


class Tier(IntEnum):
    """What a blocking call costs the loop, cheapest first.

    A chain through helpers is reported by the costliest call it reaches, and the
    default rules leave metadata calls to the opt-in FAS108: a reviewer acts on a
    route that waits on a peer, not on one that asks whether a folder exists.
    """

    # One file-system metadata call (``stat``, ``exists``, ``mkdir``, ``rename``, one
    # folder's listing): the kernel answers from its caches in microseconds on a local disk.
    METADATA = 1
    # File contents: as long as the file is and the disk takes.
    FILE = 2
    # A peer, a process, a timer, another thread or a person, or heavy computation: unbounded.
    WAIT = 3


# What the loop waits on while the call runs. Each completes "blocks the event loop in
# <function>, ...": the kind of wait a message names.
ON_NETWORK = "waiting on the network"
ON_DATABASE = "waiting on a database"
ON_PROCESS = "waiting on a process"
ON_TIMER = "waiting on a timer"
ON_THREAD = "waiting on another thread"
ON_PERSON = "waiting for a person"
ON_FILE = "reading or writing a file"
ON_FOLDERS = "scanning folders"
ON_METADATA = "touching file-system metadata"
ON_BUNDLED_FILE = "reading a file shipped with the code"
ON_BUNDLED_FOLDER = "scanning a folder shipped with the code"
ON_SHORT_SLEEP = "sleeping a few milliseconds"
ON_LOG_APPEND = "appending to a text file"
ON_FILE_IN_STEPS = "opening a file worked on in steps between awaits"
ON_COMPOSED_WRITE = "writing a short text the code composes"
ON_EMPTY_TEMPFILE = "creating an empty temporary file"
COMPUTING = "computing"


@dataclass(frozen=True)
class Entry:
    pattern: str
    # Completes the sentence "it ...": "performs a synchronous HTTP request".
    why: str
    # Completes the sentence "use ...": "`await asyncio.sleep(...)`".
    instead: str
    # "io": waits on I/O or time (FAS101/FAS103); "cpu": holds the loop computing (FAS104).
    kind: str = "io"
    # A client, session, connection or cursor API: a method call on such an object is
    # FAS103 (sync-resource-in-async); everything else is FAS101.
    resource: bool = False
    # The kind of wait (one of the ``ON_*`` phrases above); empty for the user's own entries,
    # whose kind is not known.
    waits: str = ""
    tier: Tier = Tier.WAIT


# -- the shorthand the catalogs are written in (here and in ``cpu.py``) ------

def group(
    why: str,
    instead: str,
    patterns: Iterable[str],
    kind: str = "io",
    resource: bool = False,
    *,
    waits: str,
    tier: Tier = Tier.WAIT,
) -> list[Entry]:
    """One entry per pattern, all blocking for the same reason."""
    return [Entry(p, why, instead, kind, resource, waits, tier) for p in patterns]


# The ``filelock`` package's process-wide locks, by their classes.
_FILELOCKS = ["filelock.FileLock", "filelock.SoftFileLock", "filelock.UnixFileLock", "filelock.WindowsFileLock"]


def methods(owner: str, names: str) -> list[str]:
    """The methods ``names`` (space-separated) of ``owner``."""
    return [f"{owner}.{name}" for name in names.split()]


def each(owners: str, names: str) -> list[str]:
    """Every method of ``names`` on every owner of ``owners`` (space-separated)."""
    return [path for owner in owners.split() for path in methods(owner, names)]


_HTTP_VERBS = "get post put patch delete head options request"

# -- HTTP ------------------------------------------------------------------

_HTTP = group(
    "performs a synchronous HTTP request",
    "an `httpx.AsyncClient` created once in the lifespan, or `await run_in_threadpool(...)`",
    [
        *methods("requests", _HTTP_VERBS),
        *methods("requests.api", _HTTP_VERBS),
        *methods("requests.Session", f"{_HTTP_VERBS} send"),
        *methods("httpx", f"{_HTTP_VERBS} stream"),
        *methods("httpx.Client", f"{_HTTP_VERBS} send stream"),
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.request.OpenerDirector.open",
        "urllib3.request",
        *each(
            "urllib3.PoolManager urllib3.ProxyManager urllib3.HTTPConnectionPool urllib3.HTTPSConnectionPool",
            "request urlopen request_encode_url request_encode_body",
        ),
        *each("http.client.HTTPConnection http.client.HTTPSConnection", "request getresponse connect endheaders"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# -- processes ---------------------------------------------------------------

_PROCESSES = group(
    "starts a process and waits for it",
    "`asyncio.create_subprocess_exec(...)` and `await proc.communicate()`",
    [
        *methods("subprocess", "run call check_call check_output getoutput getstatusoutput"),
        *methods("subprocess.Popen", "wait communicate"),
        "os.system",
        "os.popen",
        # ffmpeg-python: ``ffmpeg.input(f).output(g).run()`` runs the ffmpeg CLI and waits for it
        *methods("ffmpeg", "run probe"),
        "ffmpeg.nodes.OutputStream.run",
    ],
    waits=ON_PROCESS,
) + group(
    # ``from_wav`` reads the file itself; the others (and ``export`` to anything but WAV) pipe it through ffmpeg
    "decodes or encodes audio through an ffmpeg child process (pydub) and waits for it",
    "`await asyncio.to_thread(...)`, or `asyncio.create_subprocess_exec('ffmpeg', ...)`",
    methods("pydub.AudioSegment", "from_file from_mp3 from_ogg from_flv export"),
    waits=ON_PROCESS,
) + group(
    # moviepy reads and writes every clip through an ffmpeg child process (opening one probes it)
    "reads or writes a video or audio clip through an ffmpeg child process (moviepy) and waits for it",
    "`await asyncio.to_thread(...)`, or `asyncio.create_subprocess_exec('ffmpeg', ...)`",
    [
        *(f"moviepy.{module}{clip}{method}" for module in ("", "editor.") for clip in ("VideoFileClip", "AudioFileClip")
          for method in ("", ".write_videofile", ".write_audiofile", ".write_gif", ".write_images_sequence")),
    ],
    waits=ON_PROCESS,
) + group(
    # pytesseract writes the image to a temporary file and runs the ``tesseract`` program on it
    "runs the tesseract OCR program in a child process and waits for it",
    "`await asyncio.to_thread(...)`",
    methods(
        "pytesseract",
        "image_to_string image_to_data image_to_boxes image_to_osd image_to_pdf_or_hocr image_to_alto_xml "
        "run_and_get_output get_tesseract_version get_languages",
    ),
    waits=ON_PROCESS,
) + group(
    # rarfile reads a compressed member by running ``unrar`` (or ``unar``, ``bsdtar``) on the archive
    "extracts a RAR archive through an unrar child process and waits for it",
    "`await asyncio.to_thread(...)`",
    methods("rarfile.RarFile", "read extract extractall testrar"),
    waits=ON_PROCESS,
) + group(
    "waits for a Celery task to finish and fetches its result",
    "`AsyncResult.ready()` polled from the client, or `await asyncio.to_thread(result.get, timeout=...)`",
    [
        *methods("celery.result.AsyncResult", "get wait"),
        "celery.result.GroupResult.get",
        *methods("celery.result.ResultSet", "get join"),
    ],
    waits=ON_NETWORK,
) + group(
    # a broadcast that collects the workers' replies for a second (``timeout=1.0``) by default
    "broadcasts to the Celery workers and waits for their replies",
    "`await asyncio.to_thread(...)`",
    [
        *methods("celery.app.control.Inspect",
                 "active reserved scheduled stats registered revoked active_queues ping conf report query_task"),
        "celery.app.control.Control.ping",
    ],
    waits=ON_NETWORK,
) + group(
    # pdfkit renders HTML to PDF by running the ``wkhtmltopdf`` program; pypandoc runs ``pandoc``
    "converts a document through a child process (wkhtmltopdf, pandoc) and waits for it",
    "`await asyncio.to_thread(...)`",
    [
        *methods("pdfkit", "from_string from_url from_file"),
        "pdfkit.PDFKit.to_pdf",
        "pdfkit.pdfkit.PDFKit.to_pdf",
        *methods("pypandoc", "convert_file convert_text"),
    ],
    waits=ON_PROCESS,
) + group(
    "sends a file to the ClamAV daemon and waits for its verdict",
    "`await asyncio.to_thread(...)`",
    each("clamd.ClamdNetworkSocket clamd.ClamdUnixSocket", "scan multiscan contscan instream ping version reload stats"),
    waits=ON_NETWORK,
) + group(
    "calls the Nacos naming or configuration service over HTTP",
    "`await asyncio.to_thread(...)`",
    methods(
        "nacos.NacosClient",
        "get_config publish_config remove_config add_naming_instance remove_naming_instance "
        "modify_naming_instance list_naming_instance get_naming_instance send_heartbeat",
    ),
    waits=ON_NETWORK,
) + group(
    "waits for a child process's output",
    "`asyncio.create_subprocess_exec(...)`, or pexpect's `await child.expect(..., async_=True)`",
    [
        "pexpect.run",
        *methods("pexpect.spawn", "expect expect_exact expect_list read readline wait"),
        "pexpect.replwrap.REPLWrapper.run_command",
    ],
    waits=ON_PROCESS,
) + group(
    "waits for a child process to exit",
    "`asyncio.create_subprocess_exec(...)` and `await proc.wait()`",
    [*methods("os", "wait waitpid wait3 wait4 waitid"), "psutil.Process.wait", "psutil.Popen.wait", "psutil.wait_procs"],
    waits=ON_PROCESS,
)

# -- files -------------------------------------------------------------------

_FILE_INSTEAD = "`await anyio.open_file(...)`, `anyio.Path`, `aiofiles`, or `await asyncio.to_thread(...)`"

# Reading or writing what is in a file, or moving it: as slow as the file is large.
_FILES = group(
    "reads or writes a file synchronously",
    _FILE_INSTEAD,
    [
        "builtins.open",
        "io.open",
        "codecs.open",
        *methods("pathlib.Path", "open read_text read_bytes write_text write_bytes"),
        # ``fsync`` waits until the disk has the data; ``sendfile`` copies a file's contents.
        *methods("os", "truncate fsync read write sendfile"),
        # Copies, moves across file systems, deletions and archives of whole trees.
        *methods("shutil", "copy copy2 copyfile copyfileobj copytree move rmtree make_archive unpack_archive"),
        # A temporary file is opened to be written, as ``open(..., "w")`` is; so is the descriptor
        # ``mkstemp`` made (``os.fdopen(fd, "w")``).
        *methods("tempfile", "NamedTemporaryFile TemporaryFile"),
        "os.fdopen",
        "markitdown.MarkItDown.convert",
    ],
    waits=ON_FILE,
    tier=Tier.FILE,
) + group(
    "reads and parses a whole file synchronously",
    "the bytes read with `await anyio.Path(...).read_bytes()`, then parsed, "
    "or `await asyncio.to_thread(...)`",
    ["json.load", "pickle.load", "tomllib.load"],
    waits=ON_FILE,
    tier=Tier.FILE,
) + group(
    # Lists as many folders as the tree holds; ``glob`` with it, since a ``**`` pattern recurses
    # and the call alone cannot tell.
    "scans a folder tree synchronously",
    _FILE_INSTEAD,
    [*methods("pathlib.Path", "glob rglob walk"), "os.walk", "glob.glob", "glob.iglob"],
    waits=ON_FOLDERS,
    tier=Tier.FILE,
)

# One metadata operation on one path or one folder: FAS108 (off by default), never the default
# rules. Renames stay within a file system (``os.rename`` fails across them rather than copy);
# a temporary folder is one ``mkdir``, and ``mkstemp`` one empty file made (what is written into
# either is reported where it is written: ``os.write``, ``os.fdopen``, an ``open`` of the path).
_METADATA = group(
    "queries or changes file-system metadata synchronously",
    "`anyio.Path` (`await anyio.Path(...).exists()`) or `await asyncio.to_thread(...)`, "
    "or do it once in the lifespan",
    [
        *methods(
            "pathlib.Path",
            "exists is_file is_dir is_symlink is_mount iterdir stat lstat owner group chmod lchmod samefile "
            "readlink mkdir touch unlink rmdir rename replace symlink_to hardlink_to resolve",
        ),
        *methods(
            "os",
            "listdir scandir stat lstat remove unlink rename renames replace mkdir makedirs rmdir removedirs "
            "chmod chown utime link symlink readlink",
        ),
        *methods("os.path", "exists lexists isfile isdir islink getsize getmtime getatime getctime samefile"),
        "shutil.disk_usage",
        *methods("tempfile", "mkdtemp TemporaryDirectory mkstemp"),
    ],
    waits=ON_METADATA,
    tier=Tier.METADATA,
)

# A template a jinja2 environment loads is read from the files shipped with the code on first
# use, then kept in the environment's cache; with ``auto_reload`` (the default) its modification
# time is checked on each use. Rendering computes in memory. Named here, jinja2 is also a
# package the catalog covers: a call into it is not followed into its source (``installed.py``).
_TEMPLATES = group(
    "loads a template shipped with the code (read on first use, then its modification time checked)",
    "templates loaded once in the lifespan, or `await asyncio.to_thread(...)`",
    methods("jinja2.Environment", "get_template select_template get_or_select_template"),
    waits=ON_BUNDLED_FILE,
    tier=Tier.METADATA,
)


def bundled_read(entry: Entry) -> Entry:
    """``entry`` (a read of a file's contents) made on a file shipped with the code (``bundled.py``):
    small and in the page cache, it holds the loop as a metadata call does (FAS108, off by default)."""
    if entry.waits == ON_FOLDERS:
        return _brief_as(entry, "holds the loop briefly: the folder is small, and cached by the system after the first look",
                         ON_BUNDLED_FOLDER)
    return _brief_as(entry, "holds the loop briefly: the file is small, and cached by the system after the first read",
                     ON_BUNDLED_FILE)


def _brief_as(entry: Entry, why: str, waits: str) -> Entry:
    """``entry`` in the metadata tier, saying why: one object per entry and reason (a project makes
    the same call many times)."""
    key = (entry, waits)
    found = _BRIEF.get(key)
    if found is None:
        found = _BRIEF[key] = Entry(entry.pattern, why, entry.instead, entry.kind, entry.resource, waits, Tier.METADATA)
    return found


_BRIEF: dict[tuple[Entry, str], Entry] = {}


# The longest ``time.sleep`` (seconds, written as a number) that holds the loop as briefly as a
# metadata call does: a deliberate yield or ordering pause, not a wait.
SHORT_SLEEP = 0.005


def brief(entry: Entry, site: CallSite) -> Entry:
    """``entry`` as the call ``site`` makes it: a sleep of a few milliseconds written as a number
    (``time.sleep(0.001)``), a text file opened to append to (``open(log, "a")``: a log's lines,
    which the system buffers, as the standard library's ``logging.FileHandler`` writes them on
    the calling thread), or a file opened for code that then awaits in a loop (rows fetched and
    written a chunk at a time, an upload streamed: each step holds the loop briefly) holds
    the loop as briefly as a metadata call (FAS108, off by default); so do a read of a file the
    kernel makes in memory (``/proc/self/status``) and a pattern that lists one folder
    (``path.glob("*.jpg")``, ``glob.glob(pattern)``), or the first step of a walk a loop takes
    alone (``for root, dirs, files in os.walk(folder): ...; break``), as ``os.listdir`` does."""
    if site.stepped and entry.pattern in _OPENERS:
        return _brief_as(entry, "opens a file that the block reads or writes in steps, awaiting between them",
                         ON_FILE_IN_STEPS)
    if entry.pattern == "builtins.open" and _appends_text(site):
        return _brief_as(entry, "appends to a text file, which the system buffers: a log's line", ON_LOG_APPEND)
    if entry.pattern in _OPENERS and _kernel_file(site):
        return _brief_as(entry, "reads a file the kernel makes in memory (`/proc`, `/sys`): no disk", ON_METADATA)
    if entry.pattern in _GLOBS and _one_folder(entry.pattern, site):
        return _brief_as(entry, "lists one folder's entries, as `os.listdir` does (the pattern does not recurse)",
                         ON_METADATA)
    if entry.pattern in _WALKS and site.first_item:
        return _brief_as(entry, "lists one folder's entries: the loop takes the walk's first step only",
                         ON_METADATA)
    if entry.pattern in _WHOLE_WRITES and _writes_composed(site):
        return _brief_as(entry, "holds the loop briefly: the text is the code's own (a serialized object, a script), "
                         "short, and written to the system's cache", ON_COMPOSED_WRITE)
    if entry.pattern != "time.sleep" or len(site.args) != 1 or site.args[0].kind != "num":
        return entry
    try:
        seconds = float(site.args[0].text)
    except ValueError:
        return entry
    if seconds > SHORT_SLEEP:
        return entry
    return _brief_as(entry, "holds the loop for a few milliseconds", ON_SHORT_SLEEP)


# Parse a whole file from a handle: the read is the open's, reported where the file is opened.
_LOADERS = frozenset({"json.load", "pickle.load", "tomllib.load", "tomli.load", "yaml.safe_load", "yaml.load"})
# Open a file and hand back its handle: the reads and writes come after, through it.
_OPENERS = frozenset({"builtins.open", "io.open", "codecs.open", "pathlib.Path.open", "tempfile.NamedTemporaryFile",
                      "tempfile.TemporaryFile", "os.fdopen"})
# Copy from one file object into another: what passes through a handle an open made is that open's.
_HANDLE_COPIES = frozenset({"shutil.copyfileobj"})
# What a handle opened by a catalog call is, as the project names it.
_OPENED = frozenset({"builtins.open()", "io.open()", "codecs.open()", "pathlib.Path().open()", "os.fdopen()"})


def reads_an_opened_handle(site: CallSite, path: str, resolve: Callable[[Ref], Ref] | None = None) -> bool:
    """``json.load(handle)`` of a ``with open(...) as handle:`` (or ``path.open()``), and
    ``json.load(open(path))``; ``shutil.copyfileobj(upload.file, handle)`` into (or out of) such a
    handle: one read or write of one file, which the open already names (two findings for one
    stall otherwise). ``resolve``: the project's, for a handle a path of its own opened
    (``temp_path.joinpath(name).open("wb")``, ``temp_path`` from a helper of the project)."""
    if path in _HANDLE_COPIES:
        return any(_opened(value, resolve) for value in site.args[:2])
    return path in _LOADERS and bool(site.args) and _opened(site.args[0], resolve)


def _opened(value: Value, resolve: Callable[[Ref], Ref] | None) -> bool:
    """Whether ``value`` is a handle a catalog call opened: ``open(path)`` itself, or a name bound to one."""
    handle, opened = value.ref, value.call
    if opened is not None and opened.func is not None:
        return opened.func.path in _OPENERS
    if handle is not None and resolve is not None and handle.path.endswith(".open()"):
        handle = resolve(handle)
    return handle is not None and (handle.path in _OPENED
                                   or handle.path.startswith("pathlib.Path") and handle.path.endswith(".open()"))


# Write a whole file from one value, which the call names.
_WHOLE_WRITES = frozenset({"pathlib.Path.write_text", "pathlib.Path.write_bytes"})
# Calls whose result is text the code composes from values it holds: a serialized object, a
# template filled in. Their length is the code's, not a document's or a download's.
_COMPOSERS = frozenset({"json.dumps", "orjson.dumps", "ujson.dumps", "yaml.dump", "yaml.safe_dump", "toml.dumps",
                        "tomli_w.dumps", "tomlkit.dumps", "textwrap.dedent", "textwrap.indent"})


def _writes_composed(site: CallSite) -> bool:
    """``path.write_text(json.dumps(inputs))``, ``path.write_bytes(payload)`` after ``payload =
    orjson.dumps(...)``, ``path.write_text(SCRIPT)`` of a module constant, of a literal or an
    f-string: a config, a script or a request's JSON handed to a child process, not a document
    the request brought or a download."""
    data = site.argument("data", 0)
    if data is None:
        return False
    if data.kind in ("str", "fstring"):
        return True
    if data.kind == "call":
        return data.call is not None and data.call.func is not None and data.call.func.path in _COMPOSERS
    if data.kind != "ref" or data.ref is None:
        return False
    path = data.ref.path
    if data.ref.kind is RefKind.INSTANCE:
        return data.ref.made_by in _COMPOSERS
    # A module-level name in capitals is a constant by convention: text written in the source.
    return data.ref.kind is RefKind.SYMBOL and "()" not in path and path.rpartition(".")[2].isupper()


# Walk a folder tree a step per folder: its first step lists the top folder alone.
_WALKS = frozenset({"os.walk", "pathlib.Path.walk"})
# Match a pattern against a folder's entries; a tree only with ``**`` (``glob.glob``: and
# ``recursive=True``).
_GLOBS = frozenset({"pathlib.Path.glob", "glob.glob", "glob.iglob"})


def _one_folder(pattern: str, site: CallSite) -> bool:
    """``path.glob("*.jpg")`` (a literal pattern without ``**``), ``glob.glob(pattern)`` without
    ``recursive=True``: one listing of one folder (or of the few a ``*/`` names)."""
    if pattern != "pathlib.Path.glob":
        recursive = site.kwarg("recursive")
        return recursive is None or (recursive.kind == "const" and recursive.text in ("False", "None"))
    written = site.argument("pattern", 0)
    return written is not None and written.kind == "str" and "**" not in written.text


def _kernel_file(site: CallSite) -> bool:
    """``open("/proc/self/status")``: a file of the kernel's pseudo file systems, made from memory
    when read (a process's memory for a log line, a cgroup's limits)."""
    path = site.argument("file", 0)
    return path is not None and path.kind in ("str", "fstring") and path.text.startswith(("/proc/", "/sys/"))


def _appends_text(site: CallSite) -> bool:
    mode = site.argument("mode", 1)
    return mode is not None and mode.kind == "str" and mode.text.startswith("a") and "b" not in mode.text


# Temporary files whose handle stands for the work done through it (``f.write(data)``); made and
# only named (``tmp.name`` handed to a writer, itself reported), one is an empty file.
_TEMPFILES = frozenset({"tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "tempfile.SpooledTemporaryFile"})
_HANDLE_WORK = frozenset({"write", "writelines", "read", "readline", "readlines", "truncate", "readinto"})


def empty_tempfile(entry: Entry, calls: Iterable[CallSite], returned: Iterable[Value]) -> Entry | None:
    """``entry`` in the metadata tier when it makes a temporary file whose handle the function
    never reads or writes through, nor returns (its name is handed on: what writes it is reported
    there)."""
    if entry.pattern not in _TEMPFILES:
        return None
    made = entry.pattern + "()"
    for value in returned:
        if (value.ref is not None and value.ref.path == made
                or value.call is not None and value.call.func is not None and value.call.func.path == entry.pattern):
            return None  # a factory's: its callers work through the handle
    for call in calls:
        if call.func is not None and call.func.path.startswith(made + ".") and call.func.path[len(made) + 1:] in _HANDLE_WORK:
            return None
        if any(argument.ref is not None and argument.ref.path == made for argument in (*call.args, *(v for _, v in call.kwargs))):
            return None  # the handle itself handed on (``csv.writer(tmp)``): written through it
    return _brief_as(entry, "makes an empty temporary file: what writes into it is reported where it does",
                     ON_EMPTY_TEMPFILE)


def is_bundled_read(entry: Entry, function_bundled: tuple[tuple[int, int], ...], line: int, col: int) -> bool:
    return entry.tier == Tier.FILE and bool(function_bundled) and (line, col) in function_bundled


# -- network -----------------------------------------------------------------

_NETWORK = group(
    "makes a socket or DNS call",
    "`asyncio.open_connection(...)` or `await loop.getaddrinfo(...)`",
    [
        *methods(
            "socket",
            "create_connection getaddrinfo getnameinfo gethostbyname gethostbyname_ex gethostbyaddr getfqdn",
        ),
        *methods(
            "socket.socket",
            "connect connect_ex accept recv recvfrom recv_into recvfrom_into recvmsg "
            "send sendall sendto sendmsg sendfile",
        ),
        "ssl.get_server_certificate",
        *methods("ssl.SSLSocket", "do_handshake connect connect_ex accept recv recv_into read send sendall write"),
        *methods("dns.resolver", "resolve query resolve_address"),
        *methods("dns.resolver.Resolver", "resolve query resolve_address"),
    ],
    waits=ON_NETWORK,
)

_LDAP = group(
    "queries an LDAP directory synchronously",
    "`await run_in_threadpool(...)`, or an async LDAP client (`bonsai`)",
    [
        # ldap3's Connection binds when it is made with ``auto_bind`` (``at_once.cannot_wait``).
        "ldap3.Connection",
        *methods("ldap3.Connection", "open bind rebind start_tls search add delete modify modify_dn compare unbind"),
        # python-ldap: the ``_s`` methods wait for the server's answer.
        *methods("ldap.ldapobject.LDAPObject",
                 "simple_bind_s bind_s sasl_interactive_bind_s search_s search_st search_ext_s add_s add_ext_s "
                 "modify_s modify_ext_s delete_s delete_ext_s rename_s compare_s whoami_s passwd_s unbind_s"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

_MAIL = group(
    "talks to a mail or FTP server synchronously",
    "`aiosmtplib` (mail) or `aioftp` (FTP), or `await run_in_threadpool(...)`",
    [
        # Constructing with a host connects at once.
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        *each("smtplib.SMTP smtplib.SMTP_SSL", "connect login sendmail send_message starttls quit ehlo helo noop"),
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        *each(
            "ftplib.FTP ftplib.FTP_TLS",
            "connect login retrbinary retrlines storbinary storlines nlst dir mlsd cwd pwd mkd rmd delete rename "
            "size sendcmd voidcmd quit",
        ),
        "ftplib.FTP_TLS.prot_p",
        # yagmail: ``SMTP(user, password)`` connects on first use; ``send`` logs in and sends
        *each("yagmail.SMTP yagmail.sender.SMTP", "send login"),
        # python-emails (``emails.Message(...)`` or ``emails.html(...)``): ``send`` connects to the
        # SMTP server it is given and sends (the full-stack template's ``send_email``)
        *each("emails.Message emails.message.Message", "send"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# -- databases ---------------------------------------------------------------

_DBAPI_INSTEAD = "an async driver (`asyncpg`, `psycopg` async, `aiomysql`, `aiosqlite`)"

_DBAPI = group(
    "runs a database query with a synchronous driver",
    _DBAPI_INSTEAD,
    [
        # psycopg2: client-side cursors hold every row after execute, so fetch* is in memory.
        *methods("psycopg2.extensions.connection", "commit rollback"),
        *methods("psycopg2.extensions.cursor", "execute executemany callproc copy_expert copy_from copy_to"),
        *methods("psycopg2.extras", "execute_values execute_batch"),
        # psycopg 3 (sync)
        *methods("psycopg.Connection", "execute commit rollback"),
        *methods("psycopg.Cursor", "execute executemany"),
        # PyMySQL and MySQLdb: buffered cursors, fetch* is in memory.
        *methods("pymysql.connections.Connection", "commit rollback ping select_db"),
        *methods("pymysql.cursors.Cursor", "execute executemany callproc"),
        *methods("MySQLdb.connections.Connection", "commit rollback ping query"),
        *methods("MySQLdb.cursors.Cursor", "execute executemany callproc"),
        # mysql.connector: fetch* reads from the socket only on unbuffered cursors: left out.
        *methods("mysql.connector.MySQLConnection", "commit rollback ping cmd_query reconnect"),
        *methods("mysql.connector.cursor.MySQLCursor", "execute executemany callproc"),
        # sqlite3 steps the statement on every fetch, reading the database file.
        *methods("sqlite3.Connection", "execute executemany executescript commit rollback backup"),
        *methods("sqlite3.Cursor", "execute executemany executescript fetchone fetchall fetchmany"),
    ],
    resource=True,
    waits=ON_DATABASE,
) + group(
    "opens a database connection with a synchronous driver",
    _DBAPI_INSTEAD,
    [
        "psycopg2.connect",
        "psycopg.connect",
        "psycopg.Connection.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "mysql.connector.connect",
        "sqlite3.connect",
    ],
    waits=ON_DATABASE,
) + group(
    # pandas inserts the rows through the connection or engine it is given: a synchronous
    # driver's (a DB-API connection or a SQLAlchemy engine).
    "writes a data frame's rows to a database with a synchronous driver",
    _DBAPI_INSTEAD,
    ["pandas.DataFrame.to_sql"],
    waits=ON_DATABASE,
)

_SQLALCHEMY = group(
    "runs SQL through a synchronous SQLAlchemy session",
    "`AsyncSession` from `sqlalchemy.ext.asyncio` with an async driver",
    [
        # ``add``/``delete``/``begin`` only record intent (``delete`` may cascade-load: left out);
        # ``connection()`` may or may not check a connection out: left out.
        *each(
            "sqlalchemy.orm.Session sqlalchemy.orm.scoped_session",
            "execute scalar scalars get get_one commit flush refresh rollback merge exec "
            "bulk_save_objects bulk_insert_mappings bulk_update_mappings",
        ),
        # ``exists()`` builds an EXISTS clause: no I/O.
        *methods("sqlalchemy.orm.Query", "all first one one_or_none scalar count get delete update"),
        *methods("sqlalchemy.engine.Engine", "connect begin execute raw_connection"),
        *methods("sqlalchemy.engine.Connection", "execute exec_driver_sql commit rollback scalar scalars"),
        # ``inspect(engine)`` reads the database's catalog on every call.
        *methods(
            "sqlalchemy.engine.reflection.Inspector",
            "get_schema_names get_table_names get_view_names get_columns get_indexes get_foreign_keys "
            "get_pk_constraint get_unique_constraints has_table has_schema",
        ),
    ],
    resource=True,
    waits=ON_DATABASE,
)

# Django's ORM from an async function: every evaluation runs SQL on the loop's thread, and
# Django itself raises ``SynchronousOnlyOperation`` there. ``filter``/``exclude``/``order_by``/...
# only build a lazy ``QuerySet`` (``types.py``); these run it. ``Order.objects`` on a project
# model resolves to ``django.db.models.Model.objects`` (the external base's member).
_DJANGO_EVALUATE = (
    "get first last count exists aggregate create get_or_create update_or_create update delete "
    "bulk_create bulk_update in_bulk earliest latest iterator explain contains"
)

_DJANGO = group(
    "runs SQL through Django's synchronous ORM (in a coroutine Django raises `SynchronousOnlyOperation`)",
    "the ORM's async methods (`await Model.objects.aget(...)`, `afirst`, `acreate`, `asave`, `async for`), "
    "or `await sync_to_async(...)`",
    [
        *each("django.db.models.Manager django.db.models.QuerySet", _DJANGO_EVALUATE),
        *methods("django.db.models.Model", "save delete refresh_from_db"),
    ],
    resource=True,
    waits=ON_DATABASE,
)

_MONGO_COLLECTION = (
    "find_one find_one_and_update find_one_and_delete find_one_and_replace insert_one insert_many "
    "update_one update_many replace_one delete_one delete_many count_documents estimated_document_count "
    "aggregate distinct bulk_write create_index create_indexes drop drop_index drop_indexes index_information "
    "list_indexes rename"
)

_MONGO = group(
    "queries MongoDB with the synchronous driver",
    "PyMongo's `AsyncMongoClient` or `motor`, created once in the lifespan",
    [
        # ``find`` only builds a cursor; the query runs when it is iterated.
        *methods("pymongo.collection.Collection", _MONGO_COLLECTION),
        *methods("pymongo.cursor.Cursor", "to_list next explain distinct"),
        *methods(
            "pymongo.database.Database",
            "command create_collection drop_collection list_collection_names validate_collection",
        ),
        *methods("pymongo.MongoClient", "list_database_names drop_database server_info"),
    ],
    resource=True,
    waits=ON_DATABASE,
)

# Commands that go to the server. ``pipeline``, ``pubsub``, ``lock``, ``register_script``
# and the ``*scan_iter`` generators do nothing until used.
_REDIS_COMMANDS = (
    "get set delete exists expire expireat pexpire ttl pttl persist incr incrby incrbyfloat decr decrby "
    "getset getdel getex setnx setex psetex append strlen mget mset msetnx keys scan unlink rename type "
    "hget hset hsetnx hmget hmset hgetall hdel hexists hincrby hincrbyfloat hkeys hvals hlen hscan "
    "lpush rpush lpop rpop llen lrange lindex lrem lset ltrim blpop brpop brpoplpush rpoplpush lmove blmove "
    "sadd srem smembers sismember smismember scard spop srandmember sinter sunion sdiff sscan "
    "zadd zrem zrange zrevrange zrangebyscore zrevrangebyscore zscore zincrby zcard zcount zrank zrevrank "
    "zpopmin zpopmax zremrangebyscore zremrangebyrank zscan "
    "xadd xread xreadgroup xrange xrevrange xlen xack xdel xtrim "
    "setbit getbit bitcount pfadd pfcount geoadd geosearch "
    "publish ping echo info dbsize flushdb flushall eval evalsha execute_command transaction"
)

_REDIS = group(
    "sends a command to Redis with the synchronous client",
    "`redis.asyncio.Redis`, created once in the lifespan",
    [
        *methods("redis.Redis", _REDIS_COMMANDS),
        "redis.client.Pipeline.execute",
        *methods("redis.client.PubSub", "subscribe psubscribe unsubscribe punsubscribe get_message"),
        *methods("redis.lock.Lock", "acquire release extend reacquire"),
    ],
    resource=True,
    waits=ON_DATABASE,
)

_CASSANDRA = group(
    "queries Cassandra synchronously",
    "`await run_in_threadpool(session.execute, ...)`",
    [
        "cassandra.cluster.Cluster.connect",
        *methods("cassandra.cluster.Session", "execute prepare set_keyspace"),
        "cassandra.cluster.ResponseFuture.result",
    ],
    resource=True,
    waits=ON_DATABASE,
)

_NEO4J_GRAPHS = "langchain_neo4j.Neo4jGraph langchain_community.graphs.Neo4jGraph langchain_community.graphs.neo4j_graph.Neo4jGraph"

_NEO4J = group(
    "queries Neo4j synchronously",
    "`neo4j.AsyncGraphDatabase.driver(...)` (an `AsyncDriver`), created once in the lifespan, or "
    "`await run_in_threadpool(...)`",
    [
        *methods("neo4j.Driver", "execute_query verify_connectivity verify_authentication get_server_info"),
        *methods("neo4j.Session", "run execute_read execute_write read_transaction write_transaction"),
        # Constructing one connects and, unless told not to, reads the database's schema.
        *_NEO4J_GRAPHS.split(),
        *each(_NEO4J_GRAPHS, "query refresh_schema add_graph_documents"),
    ],
    resource=True,
    waits=ON_DATABASE,
)

_ES_INDICES = "create delete exists refresh get get_mapping put_mapping get_settings put_settings"

_ELASTICSEARCH = group(
    "calls Elasticsearch with the synchronous client",
    "`elasticsearch.AsyncElasticsearch`, created once in the lifespan",
    [
        *methods(
            "elasticsearch.Elasticsearch",
            "search index get get_source create update delete bulk count exists mget msearch scroll clear_scroll "
            "delete_by_query update_by_query reindex search_template ping info",
        ),
        *methods("elasticsearch.Elasticsearch.indices", _ES_INDICES),
        "elasticsearch.helpers.bulk",
    ],
    resource=True,
    waits=ON_DATABASE,
)

# -- cloud and SaaS -------------------------------------------------------

_AWS = group(
    "calls AWS synchronously through botocore",
    "`aioboto3`/`aiobotocore`, or `await run_in_threadpool(...)`",
    [
        # Every generated operation; the few local helpers are in ``ASYNC_SAFE``.
        "botocore.client.BaseClient.*",
        *methods(
            "boto3.resources.factory.dynamodb.Table",
            "get_item put_item update_item delete_item query scan load reload",
        ),
        *methods(
            "boto3.resources.factory.s3.Bucket",
            "upload_file upload_fileobj download_file download_fileobj put_object delete_objects create delete load",
        ),
        *methods(
            "boto3.resources.factory.s3.Object",
            "get put delete upload_file upload_fileobj download_file download_fileobj copy_from load reload",
        ),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# ``list_objects`` and ``remove_objects`` only build lazy iterators; the ``presigned_*`` URLs are
# signed locally once the bucket's region is known (one lookup per bucket, then cached).
_MINIO = group(
    "calls MinIO (S3) with the synchronous client",
    "`miniopy-async`'s client, or `await run_in_threadpool(...)`",
    methods(
        "minio.Minio",
        "get_object fget_object put_object fput_object append_object stat_object remove_object copy_object "
        "compose_object select_object_content prompt_object upload_snowball_objects bucket_exists make_bucket "
        "remove_bucket list_buckets get_bucket_policy set_bucket_policy delete_bucket_policy get_bucket_tags "
        "set_bucket_tags delete_bucket_tags get_object_tags set_object_tags delete_object_tags "
        "get_bucket_versioning set_bucket_versioning get_bucket_lifecycle set_bucket_lifecycle "
        "delete_bucket_lifecycle get_bucket_notification set_bucket_notification delete_bucket_notification "
        "get_bucket_encryption set_bucket_encryption delete_bucket_encryption",
    ),
    resource=True,
    waits=ON_NETWORK,
)

_GCS_BLOB = (
    "upload_from_filename upload_from_file upload_from_string download_to_filename download_to_file "
    "download_as_bytes download_as_string download_as_text exists reload delete patch update compose rewrite "
    "make_public create_resumable_upload_session"
)

_GOOGLE = group(
    "calls Google Cloud with the synchronous client",
    "the library's async client where there is one (Firestore, Pub/Sub, Secret Manager), "
    "or `await run_in_threadpool(...)`",
    [
        # ``Client.bucket`` and ``Bucket.blob`` only build references: no I/O.
        *methods("google.cloud.storage.Client", "get_bucket lookup_bucket create_bucket download_blob_to_file"),
        *methods(
            "google.cloud.storage.Bucket",
            "get_blob exists reload patch update delete create copy_blob rename_blob delete_blob delete_blobs "
            "make_public",
        ),
        *methods("google.cloud.storage.Blob", _GCS_BLOB),
        *methods(
            "google.cloud.bigquery.Client",
            "query query_and_wait get_table get_dataset get_job create_table create_dataset delete_table "
            "delete_dataset update_table insert_rows insert_rows_json load_table_from_uri load_table_from_file "
            "load_table_from_dataframe load_table_from_json",
        ),
        *methods("google.cloud.bigquery.QueryJob", "result to_dataframe to_arrow"),
        "google.cloud.bigquery.LoadJob.result",
        *methods("google.cloud.firestore.DocumentReference", "get set update delete create"),
        *methods("google.cloud.firestore.CollectionReference", "add get"),
        "google.cloud.firestore.Query.get",
        "google.cloud.firestore.WriteBatch.commit",
        "google.cloud.pubsub_v1.publisher.futures.Future.result",
        *methods("google.cloud.secretmanager.SecretManagerServiceClient", "access_secret_version get_secret"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# Google's sign-in checks fetch Google's public certificates (or a token) over HTTP on each call,
# through the synchronous transport handed to them (``google.auth.transport.requests.Request()``).
_GOOGLE_AUTH = group(
    "fetches Google's certificates or tokens over HTTP synchronously",
    "`await run_in_threadpool(...)`, or verify with keys fetched once and cached",
    [
        "google.oauth2.id_token.verify_oauth2_token",
        "google.oauth2.id_token.verify_token",
        "google.oauth2.id_token.verify_firebase_token",
        "google.oauth2.id_token.fetch_id_token",
        *methods("google.auth.transport.requests.AuthorizedSession", _HTTP_VERBS),
        # a token refreshed or fetched over HTTP (``creds.refresh(Request())``, an OAuth flow's code exchange)
        "google.oauth2.credentials.Credentials.refresh",
        "google.oauth2.service_account.Credentials.refresh",
        "google_auth_oauthlib.flow.Flow.fetch_token",
        "google_auth_oauthlib.flow.InstalledAppFlow.fetch_token",
    ],
    waits=ON_NETWORK,
)

# An installed app's sign-in: a local server (or the console) waits for a person to finish the
# sign-in in a browser, then exchanges the code for a token.
_BROWSER_SIGN_IN = group(
    "waits for a person to sign in in a browser",
    "sign in once, outside the server, and load the stored token; a server cannot wait for a person",
    [
        "google_auth_oauthlib.flow.InstalledAppFlow.run_local_server",
        "google_auth_oauthlib.flow.InstalledAppFlow.run_console",
    ],
    waits=ON_NETWORK,
)

# The Google API client (Drive, Gmail, Calendar, Sheets, ...): ``execute()`` sends the request
# over ``httplib2``, synchronously; a download's or an upload's chunks likewise.
_GOOGLE_API = group(
    "calls a Google API with the synchronous client",
    "`await run_in_threadpool(request.execute)`, or an async Google API client (`aiogoogle`)",
    [
        "googleapiclient.discovery.Resource.execute",
        "googleapiclient.http.HttpRequest.execute",
        "googleapiclient.http.BatchHttpRequest.execute",
        "googleapiclient.http.MediaIoBaseDownload.next_chunk",
    ],
    resource=True,
    waits=ON_NETWORK,
)

_AZURE = group(
    "calls Azure with the synchronous client",
    "the `.aio` client of the same package (`azure.storage.blob.aio`, `azure.cosmos.aio`, ...), "
    "created once in the lifespan",
    [
        # ``get_container_client``/``get_blob_client`` only build clients: no I/O.
        *methods(
            "azure.storage.blob.BlobServiceClient",
            "create_container delete_container get_service_properties get_account_information",
        ),
        *methods(
            "azure.storage.blob.ContainerClient",
            "upload_blob download_blob delete_blob create_container delete_container exists get_container_properties",
        ),
        *methods(
            "azure.storage.blob.BlobClient",
            "upload_blob download_blob delete_blob exists get_blob_properties set_blob_metadata "
            "start_copy_from_url create_snapshot stage_block commit_block_list",
        ),
        *methods("azure.storage.blob.StorageStreamDownloader", "readall readinto content_as_bytes content_as_text"),
        *methods(
            "azure.cosmos.ContainerProxy",
            "read_item create_item upsert_item replace_item delete_item patch_item read",
        ),
        *methods("azure.keyvault.secrets.SecretClient", "get_secret set_secret"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# ``client.chat.completions.create`` resolves to ``openai.OpenAI.chat.completions.create``.
_OPENAI_CALLS = [
    "chat.completions.create",
    "chat.completions.parse",
    "beta.chat.completions.parse",
    "completions.create",
    "embeddings.create",
    "responses.create",
    "responses.parse",
    "responses.retrieve",
    "images.generate",
    "images.edit",
    "images.create_variation",
    "audio.transcriptions.create",
    "audio.translations.create",
    "audio.speech.create",
    "moderations.create",
    "files.create",
    "files.retrieve",
    "files.delete",
    "files.content",
    "batches.create",
    "batches.retrieve",
    "models.list",
    "models.retrieve",
    "models.delete",
]

_ANTHROPIC_CALLS = [
    "messages.create",
    "messages.stream",
    "messages.count_tokens",
    "beta.messages.create",
    "messages.batches.create",
    "messages.batches.retrieve",
    "completions.create",
    "models.list",
    "models.retrieve",
]

# Google's Gen AI SDK: ``client.models.generate_content``; ``client.aio.models...`` is the async one.
_GOOGLE_GENAI_CALLS = [
    *(f"models.{call}" for call in "generate_content generate_content_stream generate_images generate_videos "
      "edit_image upscale_image embed_content count_tokens compute_tokens get list".split()),
    *(f"files.{call}" for call in "upload get delete download list".split()),
    "operations.get",
    "batches.create",
    "batches.get",
]

_MODEL_API = group(
    "calls the model provider's API synchronously",
    "the async client (`openai.AsyncOpenAI`, `anthropic.AsyncAnthropic`, `genai.Client(...).aio`) created once "
    "in the lifespan",
    [
        *(f"openai.OpenAI.{call}" for call in _OPENAI_CALLS),
        # The module-level client of openai>=1, and the 0.x resources.
        *(f"openai.{call}" for call in _OPENAI_CALLS if not call.startswith("beta.")),
        "openai.ChatCompletion.create",
        "openai.Completion.create",
        "openai.Embedding.create",
        *(f"anthropic.Anthropic.{call}" for call in _ANTHROPIC_CALLS),
        *(f"google.genai.Client.{call}" for call in _GOOGLE_GENAI_CALLS),
        "google.genai.chats.Chat.send_message",
        "google.genai.chats.Chat.send_message_stream",
        # the older google-generativeai SDK (async: ``generate_content_async``)
        *methods("google.generativeai.GenerativeModel", "generate_content count_tokens"),
        "google.generativeai.embed_content",
        # LiteLLM's sync entry points (the async ones are ``acompletion``, ``aembedding``, ...).
        *methods("litellm", "completion embedding text_completion image_generation transcription speech"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

_VECTOR_AND_SEARCH_APIS = group(
    "calls a vector or search service synchronously",
    "the SDK's async client (`pymilvus.AsyncMilvusClient`, `exa_py.AsyncExa`), or `await run_in_threadpool(...)`",
    [
        # Listed by name: ``close()`` on these clients is fine at shutdown, so no wildcard.
        *methods(
            "pymilvus.MilvusClient",
            "search query insert upsert delete get has_collection create_collection drop_collection "
            "load_collection release_collection list_collections describe_collection create_index flush",
        ),
        *methods("exa_py.Exa", "search search_and_contents get_contents find_similar find_similar_and_contents answer"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# (resource class, ``StripeClient`` service, operations beyond create/retrieve/update/list/delete)
_STRIPE_APIS = [
    ("Account", "accounts", ""),
    ("Charge", "charges", "capture search"),
    ("Coupon", "coupons", ""),
    ("Customer", "customers", "search list_payment_methods retrieve_payment_method create_balance_transaction "
                              "list_balance_transactions delete_discount"),
    ("Invoice", "invoices", "pay finalize_invoice void_invoice search"),
    ("InvoiceItem", "invoice_items", ""),
    ("PaymentIntent", "payment_intents", "confirm capture cancel search"),
    ("PaymentMethod", "payment_methods", "attach detach"),
    ("Payout", "payouts", "cancel"),
    ("Price", "prices", "search"),
    ("Product", "products", "search"),
    ("Refund", "refunds", "cancel"),
    ("SetupIntent", "setup_intents", "confirm cancel"),
    ("Subscription", "subscriptions", "cancel resume search delete_discount"),
    ("SubscriptionItem", "subscription_items", "create_usage_record list_usage_record_summaries"),
    ("SubscriptionSchedule", "subscription_schedules", "cancel release"),
    ("PaymentLink", "payment_links", ""),
    ("PromotionCode", "promotion_codes", ""),
    ("TaxRate", "tax_rates", ""),
    ("CreditNote", "credit_notes", "void_credit_note preview"),
    ("Dispute", "disputes", "close"),
    ("Event", "events", ""),
    ("File", "files", ""),
    ("Quote", "quotes", "accept cancel finalize_quote"),
    ("Balance", "balance", ""),
    ("BalanceTransaction", "balance_transactions", ""),
    ("AccountLink", "account_links", ""),
    ("EphemeralKey", "ephemeral_keys", ""),
    ("CustomerSession", "customer_sessions", ""),
    ("billing.MeterEvent", "billing.meter_events", ""),
    ("tax.Calculation", "tax.calculations", ""),
    ("tax.Transaction", "tax.transactions", "create_from_calculation create_reversal"),
    ("identity.VerificationSession", "identity.verification_sessions", "cancel redact"),
    ("Transfer", "transfers", ""),
    ("checkout.Session", "checkout.sessions", "expire"),
    ("billing_portal.Session", "billing_portal.sessions", ""),
]


def _stripe() -> list[str]:
    paths: list[str] = []
    for resource, service, extra in _STRIPE_APIS:
        paths += methods(f"stripe.{resource}", f"create retrieve modify list delete {extra}")
        for client in ("stripe.StripeClient", "stripe.StripeClient.v1"):
            paths += methods(f"{client}.{service}", f"create retrieve update list delete {extra}")
    return paths


_SAAS = group(
    "calls a SaaS API synchronously",
    "the SDK's async client (`slack_sdk.web.async_client.AsyncWebClient`, Stripe's `*_async` methods), "
    "or `await run_in_threadpool(...)`",
    [
        # ``stripe.Webhook.construct_event`` only checks a signature: not listed.
        *_stripe(),
        *methods(
            "slack_sdk.WebClient",
            "api_call chat_postMessage chat_postEphemeral chat_update chat_delete chat_scheduleMessage "
            "files_upload files_upload_v2 conversations_list conversations_history conversations_info "
            "conversations_members conversations_open conversations_replies users_info users_list "
            "users_lookupByEmail reactions_add views_open views_publish views_update auth_test",
        ),
        *methods("slack_sdk.webhook.WebhookClient", "send send_dict"),
        # supabase-py's sync client: ``client.table("t").select("*").eq("id", i).execute()`` runs the
        # PostgREST request (``acreate_client`` gives the async one, whose ``execute`` is awaited)
        "postgrest.SyncRequestBuilder.execute",
        # its auth client asks Supabase's auth server (``get_session`` reads the session it keeps)
        *methods(
            "gotrue.SyncGoTrueClient",
            "get_user sign_up sign_in_with_password sign_in_with_otp sign_in_with_id_token sign_in_with_oauth "
            "verify_otp exchange_code_for_session refresh_session set_session sign_out update_user "
            "reset_password_email reset_password_for_email resend",
        ),
        *methods(
            "gotrue.SyncGoTrueAdminAPI",
            "create_user delete_user list_users get_user_by_id update_user_by_id invite_user_by_email generate_link "
            "sign_out",
        ),
        *methods("storage3.SyncBucket", "upload download remove list move copy update create_signed_url "
                                        "create_signed_urls create_signed_upload_url"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# PyGithub: each of these methods is one (or, for lists, a first) HTTP request to GitHub's API,
# made with ``requests``; the objects they return are read locally.
_PYGITHUB = {
    "github.Github": "get_repo get_repos get_user get_organization get_organizations get_gist get_rate_limit "
                     "get_installation search_repositories search_issues search_code search_commits search_users",
    "github.Repository.Repository": "get_pull get_pulls create_pull get_issue get_issues create_issue get_contents "
                                    "get_dir_contents create_file update_file delete_file get_branch get_branches "
                                    "get_commit get_commits compare merge get_git_ref get_git_refs create_git_ref "
                                    "get_git_tree create_git_tree create_git_commit create_git_blob get_readme "
                                    "get_collaborators add_to_collaborators get_labels create_hook edit delete",
    "github.PullRequest.PullRequest": "create_issue_comment create_review create_review_comment get_files get_commits "
                                      "get_comments get_issue_comments get_reviews merge edit update_branch is_merged",
    "github.Issue.Issue": "create_comment get_comments edit add_to_labels remove_from_labels",
    "github.Organization.Organization": "get_repo get_repos create_repo get_members get_teams",
    "github.AuthenticatedUser.AuthenticatedUser": "get_repo get_repos get_orgs create_repo",
    "github.NamedUser.NamedUser": "get_repo get_repos get_orgs",
}

_GITHUB = group(
    "calls GitHub's API synchronously through PyGithub",
    "`githubkit`'s async API (`await github.rest.pulls.async_create(...)`), an `httpx.AsyncClient` request, "
    "or `await run_in_threadpool(...)`",
    [path for owner, names in _PYGITHUB.items() for path in methods(owner, names)],
    resource=True,
    waits=ON_NETWORK,
)

# -- message queues -----------------------------------------------------------

_QUEUES = group(
    "talks to a message broker with a synchronous client",
    "the async client (`aio_pika` for RabbitMQ, `aiokafka` or confluent-kafka's `AIOProducer` for Kafka), "
    "created once in the lifespan, or `await run_in_threadpool(...)`",
    [
        # Constructing a ``BlockingConnection`` connects and handshakes at once.
        "pika.BlockingConnection",
        *methods("pika.BlockingConnection", "channel process_data_events sleep close"),
        *methods(
            "pika.adapters.blocking_connection.BlockingChannel",
            "basic_publish basic_get basic_consume start_consuming consume queue_declare queue_bind queue_purge "
            "queue_delete exchange_declare exchange_bind exchange_delete confirm_delivery basic_qos",
        ),
        # ``send`` waits for the topic's metadata (up to ``max_block_ms``) and for room in the buffer.
        *methods("kafka.KafkaProducer", "send flush close"),
        "kafka.producer.future.FutureRecordMetadata.get",
        *methods("kafka.KafkaConsumer", "poll commit committed position end_offsets beginning_offsets topics"),
        # ``Producer.produce`` only queues, and ``poll(0)`` serves callbacks without waiting: left out.
        *methods("confluent_kafka.Producer", "flush list_topics"),
        *methods("confluent_kafka.Consumer", "poll consume commit committed list_topics close"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# -- clusters -------------------------------------------------------------------

_KUBERNETES_APIS = (
    "CoreV1Api AppsV1Api BatchV1Api NetworkingV1Api RbacAuthorizationV1Api CustomObjectsApi "
    "AutoscalingV1Api AutoscalingV2Api StorageV1Api PolicyV1Api"
)

_KUBERNETES = group(
    "calls the Kubernetes API server with the synchronous client",
    "`kubernetes_asyncio` (the same API with awaited calls), or `await run_in_threadpool(...)`",
    [
        # Every public method of a generated API class is one request; ``api_client`` is in ``ASYNC_SAFE``.
        *(f"kubernetes.client.{api}.*" for api in _KUBERNETES_APIS.split()),
        "kubernetes.watch.Watch.stream",
    ],
    resource=True,
    waits=ON_NETWORK,
)

# -- notifications --------------------------------------------------------------

_NOTIFICATIONS = group(
    "sends a message through a notification service's synchronous SDK",
    "the SDK's async API (Twilio's `create_async` with `AsyncTwilioHttpClient`, Mailgun's `AsyncClient`), "
    "an `httpx.AsyncClient` request to the service, or `await run_in_threadpool(...)`",
    [
        *each("twilio.rest.Client.messages twilio.rest.Client.calls", "create list"),
        # Twilio Verify: ``client.verify.v2.services(sid).verifications.create(...)``
        *each(
            "twilio.rest.verify.v2.service.ServiceContext.verifications "
            "twilio.rest.verify.v2.service.ServiceContext.verification_checks",
            "create",
        ),
        "sendgrid.SendGridAPIClient.send",
        "sendgrid.SendGridAPIClient.client.mail.send.post",
        *methods("postmarker.core.PostmarkClient.emails", "send send_batch send_with_template send_template_batch"),
        *methods("mailgun.client.Client.messages", "create"),
        # Pusher Channels' server SDK: an HTTP request per event, through ``requests`` by default
        *methods("pusher.Pusher", "trigger trigger_batch channels_info channel_info users_info send_to_user "
                 "terminate_user_connections"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# -- scraping ---------------------------------------------------------------------

_SCRAPING = group(
    "calls a scraping service synchronously (a crawl may run for minutes)",
    "the SDK's async client (`firecrawl.AsyncFirecrawl`/`AsyncFirecrawlApp`, `apify_client.ApifyClientAsync`), "
    "or `await run_in_threadpool(...)`",
    [
        *methods(
            "firecrawl.FirecrawlApp",
            "scrape_url crawl_url map_url search extract batch_scrape_urls check_crawl_status async_crawl_url",
        ),
        *methods("firecrawl.Firecrawl", "scrape crawl map search extract batch_scrape start_crawl get_crawl_status"),
        *methods("apify_client.clients.ActorClient", "call start get"),
        *methods("apify_client.clients.RunClient", "wait_for_finish get"),
        *methods("apify_client.clients.DatasetClient", "list_items get_items_as_bytes"),
        *methods("apify_client.clients.KeyValueStoreClient", "get_record set_record"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# -- vector stores and memory --------------------------------------------------------

_QDRANT = (
    "search search_batch query_points query_batch_points query_points_groups recommend discover scroll "
    "retrieve count upsert upload_points upload_collection delete delete_vectors set_payload overwrite_payload "
    "delete_payload update_vectors create_collection recreate_collection delete_collection get_collection "
    "get_collections collection_exists update_collection create_payload_index"
)

_CHROMA_CLIENT = (
    "get_collection get_or_create_collection create_collection delete_collection list_collections heartbeat reset"
)

_WEAVIATE_QUERY = "near_text near_vector near_object hybrid bm25 fetch_objects fetch_object_by_id"

_VECTOR_STORES = group(
    "calls a vector store or memory service synchronously",
    "the SDK's async client (`qdrant_client.AsyncQdrantClient`, `chromadb.AsyncHttpClient`, "
    "`PineconeAsyncio`, `weaviate.use_async_with_*`, `mem0.AsyncMemory`), or `await run_in_threadpool(...)`",
    [
        *methods("qdrant_client.QdrantClient", _QDRANT),
        *methods(
            "pinecone.Pinecone",
            "create_index delete_index list_indexes describe_index has_index configure_index",
        ),
        *methods("pinecone.Index", "query upsert fetch delete update describe_index_stats list search"),
        *methods("chromadb.api.ClientAPI", _CHROMA_CLIENT),
        # A collection's default embedding function also runs a model on ``add``/``query``.
        *methods("chromadb.api.models.Collection.Collection", "add query get upsert update delete count peek"),
        *methods("weaviate.WeaviateClient.collections", "create delete exists list_all"),
        *methods("weaviate.collections.Collection.query", _WEAVIATE_QUERY),
        *methods(
            "weaviate.collections.Collection.data",
            "insert insert_many update replace delete_by_id delete_many exists",
        ),
        *each("mem0.Memory mem0.MemoryClient", "add search get get_all update delete delete_all history"),
        # pymilvus's ORM: ``Collection(name)`` describes it on the server; its methods are requests
        "pymilvus.Collection",
        *methods("pymilvus.Collection", "insert upsert delete search hybrid_search query flush load release "
                 "create_index drop_index drop compact"),
        *methods("pymilvus.utility", "has_collection list_collections drop_collection wait_for_loading_complete"),
        "pymilvus.connections.connect",
        # the Weaviate v3 client: a query builder runs on ``do()``
        *methods("weaviate.gql.get.GetBuilder", "do"),
        *methods("weaviate.gql.aggregate.AggregateBuilder", "do"),
        "weaviate.Client.query.raw",
        *methods("weaviate.Client.data_object", "create get get_by_id update replace delete exists"),
        *methods("weaviate.Client.batch", "delete_objects create_objects"),
        *methods("weaviate.Client.schema", "get create create_class delete_class delete_all exists contains"),
    ],
    resource=True,
    waits=ON_NETWORK,
)

# -- remote and local file systems -----------------------------------------------------

_FSSPEC = group(
    "reads or writes through an fsspec file system synchronously (often remote storage)",
    "the file system's async mode (`fsspec.filesystem(..., asynchronous=True)` and its awaited "
    "`_cat_file`/`_pipe_file`/`_ls`), or `await asyncio.to_thread(...)`",
    methods(
        "fsspec.AbstractFileSystem",
        "open cat cat_file pipe pipe_file ls find glob walk du info exists isfile isdir size get put get_file "
        "put_file upload download rm rm_file copy mv makedirs mkdir read_text write_text read_bytes write_bytes "
        "touch",
    ),
    resource=True,
    waits=ON_NETWORK,
)

# -- threads -------------------------------------------------------------------

_WAITS = group(
    "blocks on a lock, an event, a queue or a future",
    "`asyncio.Lock`/`asyncio.Queue`, or `await asyncio.wrap_future(...)`",
    [
        *each("threading.Lock threading.RLock threading.Semaphore threading.BoundedSemaphore", "acquire"),
        "threading.Event.wait",
        "threading.Condition.wait",
        "threading.Condition.wait_for",
        "threading.Barrier.wait",
        "threading.Thread.join",
        # ``put`` blocks only on a bounded queue that is full: left out.
        *each("queue.Queue queue.LifoQueue queue.PriorityQueue", "get join"),
        "queue.SimpleQueue.get",
        "concurrent.futures.Future.result",
        "concurrent.futures.Future.exception",
        "concurrent.futures.wait",
        *each("concurrent.futures.ThreadPoolExecutor concurrent.futures.ProcessPoolExecutor", "shutdown"),
        "multiprocessing.Process.join",
        *methods("multiprocessing.Pool", "map starmap apply join"),
    ],
    waits=ON_THREAD,
) + group(
    # ``LOCK_NB`` fails at once rather than wait, and ``LOCK_UN`` releases: the call cannot tell them
    # apart, and a lock taken in a coroutine is released there.
    "waits for a file lock that another process may hold",
    "`await asyncio.to_thread(fcntl.flock, ...)`, `filelock.AsyncFileLock`, or an `asyncio.Lock` within one process",
    # ``with FileLock(path):`` takes the lock on entry: the constructor stands for it there
    # (``at_once.py``: not where a lock is only made).
    [*methods("fcntl", "flock lockf"), *_FILELOCKS, *each(" ".join(_FILELOCKS), "acquire")],
    waits=ON_PROCESS,
)

_INPUT = group(
    "waits for a person to type", "a request body or a websocket message", ["builtins.input"], waits=ON_PERSON
)

_SLEEP = group("sleeps the whole thread", "`await asyncio.sleep(...)`", ["time.sleep"], waits=ON_TIMER)

ENTRIES: list[Entry] = [
    *_SLEEP,
    *_HTTP,
    *_PROCESSES,
    *_FILES,
    *_METADATA,
    *_TEMPLATES,
    *_NETWORK,
    *_MAIL,
    *_LDAP,
    *_DBAPI,
    *_SQLALCHEMY,
    *_DJANGO,
    *_MONGO,
    *_REDIS,
    *_CASSANDRA,
    *_NEO4J,
    *_ELASTICSEARCH,
    *_AWS,
    *_MINIO,
    *_GOOGLE,
    *_GOOGLE_AUTH,
    *_BROWSER_SIGN_IN,
    *_GOOGLE_API,
    *_AZURE,
    *_MODEL_API,
    *_VECTOR_AND_SEARCH_APIS,
    *_SAAS,
    *_GITHUB,
    *_QUEUES,
    *_KUBERNETES,
    *_NOTIFICATIONS,
    *_SCRAPING,
    *_VECTOR_STORES,
    *_FSSPEC,
    *_WAITS,
    *_INPUT,
]

# Names under a wildcard that do no I/O: never reported. Same syntax as ``extend-async-safe``:
# an exact path, or ``prefix.*`` for everything below it.
ASYNC_SAFE: frozenset[str] = frozenset(
    {
        *methods(
            "botocore.client.BaseClient",
            "get_paginator can_paginate get_waiter close "
            # signed locally, with the client's credentials
            "generate_presigned_url generate_presigned_post generate_db_auth_token",
        ),
        # ``client.meta.events.register(...)``, ``client.exceptions.ClientError``
        "botocore.client.BaseClient.meta.*",
        "botocore.client.BaseClient.exceptions.*",
        # ``api.api_client.close()``: the client's own object, not a request.
        *(f"kubernetes.client.{api}.api_client.*" for api in _KUBERNETES_APIS.split()),
    }
)
