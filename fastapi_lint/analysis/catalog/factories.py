"""What third-party factories return (the public names of types with several spellings are in
``type_aliases.py``).

The project phase uses these to follow ``SessionLocal = sessionmaker(...)`` to
``SessionLocal()`` being a ``sqlalchemy.orm.Session``. External callables whose
name starts with a capital letter are taken to be classes and need no entry.
"""

from __future__ import annotations

# passlib.hash handlers: slow by design, used as ``bcrypt.hash(...)`` or ``bcrypt.using(...).hash(...)``.
PASSLIB_HANDLERS = (
    "bcrypt", "bcrypt_sha256", "argon2", "scrypt", "pbkdf2_sha256", "pbkdf2_sha512", "sha256_crypt", "sha512_crypt",
)

# transformers' auto classes that load a model (``AutoTokenizer`` and ``AutoProcessor`` load no weights).
TRANSFORMERS_AUTO_MODELS = (
    "AutoModel", "AutoModelForCausalLM", "AutoModelForSeq2SeqLM", "AutoModelForSequenceClassification",
    "AutoModelForTokenClassification", "AutoModelForQuestionAnswering", "AutoModelForVision2Seq",
    "AutoModelForImageTextToText", "AutoModelForSpeechSeq2Seq",
)

# Types whose every method returns another of them: the Google API client's resources are built
# from a discovery document at run time (``service.files().get(fileId=i)``), so no method can be
# listed; what ends a chain is ``execute()`` (``catalog/blocking.py``).
SELF_RETURNING = frozenset({
    "googleapiclient.discovery.Resource",
    # query builders whose every method adds a clause: ``execute()``/``do()`` ends the chain
    "postgrest.SyncRequestBuilder",
    "weaviate.gql.get.GetBuilder",
    "weaviate.gql.aggregate.AggregateBuilder",
})

RETURNS: dict[str, str] = {
    # Celery: a task's result by id, a task sent by name, the workers' inspector
    "celery.Celery.AsyncResult": "celery.result.AsyncResult",
    "celery.Celery.send_task": "celery.result.AsyncResult",
    "celery.app.control.Control.inspect": "celery.app.control.Inspect",
    # pexpect's child process (``pexpect.spawn`` is a class spelled in lower case)
    "pexpect.spawn": "pexpect.spawn",
    "pexpect.pty_spawn.spawn": "pexpect.spawn",
    # the Neo4j driver: ``GraphDatabase.driver(uri, auth=...)``, its sessions
    "neo4j.GraphDatabase.driver": "neo4j.Driver",
    "neo4j.Driver.session": "neo4j.Session",
    "neo4j.AsyncGraphDatabase.driver": "neo4j.AsyncDriver",
    "neo4j.AsyncDriver.session": "neo4j.AsyncSession",
    # the Google API client: ``build("drive", "v3", credentials=creds)``
    "googleapiclient.discovery.build": "googleapiclient.discovery.Resource",
    "googleapiclient.discovery.build_from_document": "googleapiclient.discovery.Resource",
    # google-auth-oauthlib's flows, made from a client's secrets; ``fetch_token`` exchanges a code
    "google_auth_oauthlib.flow.Flow.from_client_config": "google_auth_oauthlib.flow.Flow",
    "google_auth_oauthlib.flow.Flow.from_client_secrets_file": "google_auth_oauthlib.flow.Flow",
    "google_auth_oauthlib.flow.InstalledAppFlow.from_client_config": "google_auth_oauthlib.flow.InstalledAppFlow",
    "google_auth_oauthlib.flow.InstalledAppFlow.from_client_secrets_file": "google_auth_oauthlib.flow.InstalledAppFlow",
    # speech recognition models, whose methods run inference (``catalog/cpu.py``)
    "whisper.load_model": "whisper.model.Whisper",
    "whisperx.load_model": "whisperx.asr.FasterWhisperPipeline",
    # ffmpeg-python's builder: ``ffmpeg.input(f).output(g, ...).overwrite_output().run()``
    "ffmpeg.input": "ffmpeg.nodes.FilterableStream",
    "ffmpeg.output": "ffmpeg.nodes.OutputStream",
    "ffmpeg.nodes.FilterableStream.output": "ffmpeg.nodes.OutputStream",
    "ffmpeg.nodes.OutputStream.overwrite_output": "ffmpeg.nodes.OutputStream",
    "ffmpeg.nodes.OutputStream.global_args": "ffmpeg.nodes.OutputStream",
    # SQLAlchemy (sync)
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.sessionmaker.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.sessionmaker.begin": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.orm.scoped_session.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.inspect": "sqlalchemy.engine.reflection.Inspector",
    "sqlalchemy.engine.create_engine": "sqlalchemy.engine.Engine",
    "sqlmodel.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.Engine.connect": "sqlalchemy.engine.Connection",
    "sqlalchemy.engine.Engine.begin": "sqlalchemy.engine.Connection",
    "sqlalchemy.orm.Session.query": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.filter": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.filter_by": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.order_by": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.join": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.options": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.limit": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.offset": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.where": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.group_by": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.distinct": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.having": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.outerjoin": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.select_from": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.with_entities": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.add_columns": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.execution_options": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.populate_existing": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.with_for_update": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.Query.yield_per": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.scoped_session.query": "sqlalchemy.orm.Query",
    # SQLAlchemy (async): known so that their methods are known not to block
    "sqlalchemy.ext.asyncio.async_sessionmaker.__call__": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.async_sessionmaker",
    # DB-API drivers
    "psycopg2.connect": "psycopg2.extensions.connection",
    "psycopg2.extensions.connection.cursor": "psycopg2.extensions.cursor",
    "psycopg2.pool.SimpleConnectionPool.getconn": "psycopg2.extensions.connection",
    "psycopg2.pool.ThreadedConnectionPool.getconn": "psycopg2.extensions.connection",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "psycopg_pool.ConnectionPool.connection": "psycopg.Connection",
    "psycopg_pool.ConnectionPool.getconn": "psycopg.Connection",
    "pymysql.connect": "pymysql.connections.Connection",
    "pymysql.connections.Connection.cursor": "pymysql.cursors.Cursor",
    "MySQLdb.connect": "MySQLdb.connections.Connection",
    "MySQLdb.connections.Connection.cursor": "MySQLdb.cursors.Cursor",
    "mysql.connector.connect": "mysql.connector.MySQLConnection",
    "mysql.connector.MySQLConnection.cursor": "mysql.connector.cursor.MySQLCursor",
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    "sqlite3.Connection.execute": "sqlite3.Cursor",
    "sqlite3.Cursor.execute": "sqlite3.Cursor",
    # Mongo, Redis, Cassandra
    "pymongo.MongoClient.get_database": "pymongo.database.Database",
    "pymongo.MongoClient.get_default_database": "pymongo.database.Database",
    "pymongo.database.Database.get_collection": "pymongo.collection.Collection",
    "pymongo.collection.Collection.find": "pymongo.cursor.Cursor",
    "pymongo.cursor.Cursor.sort": "pymongo.cursor.Cursor",
    "pymongo.cursor.Cursor.limit": "pymongo.cursor.Cursor",
    "pymongo.cursor.Cursor.skip": "pymongo.cursor.Cursor",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.StrictRedis.from_url": "redis.Redis",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis",
    "redis.Redis.pipeline": "redis.client.Pipeline",
    "redis.Redis.pubsub": "redis.client.PubSub",
    "redis.Redis.lock": "redis.lock.Lock",
    "redis.sentinel.Sentinel.master_for": "redis.Redis",
    "redis.sentinel.Sentinel.slave_for": "redis.Redis",
    "cassandra.cluster.Cluster.connect": "cassandra.cluster.Session",
    "cassandra.cluster.Session.execute_async": "cassandra.cluster.ResponseFuture",
    # AWS
    "boto3.client": "botocore.client.BaseClient",
    "boto3.resource": "boto3.resources.base.ServiceResource",
    "boto3.session.Session.client": "botocore.client.BaseClient",
    "boto3.Session.client": "botocore.client.BaseClient",
    "boto3.Session.resource": "boto3.resources.base.ServiceResource",
    "boto3.session.Session.resource": "boto3.resources.base.ServiceResource",
    "botocore.session.get_session": "botocore.session.Session",
    "botocore.session.Session.create_client": "botocore.client.BaseClient",
    # Resource classes are generated at run time; their names are boto3's own.
    "boto3.resources.base.ServiceResource.Table": "boto3.resources.factory.dynamodb.Table",
    "boto3.resources.base.ServiceResource.Bucket": "boto3.resources.factory.s3.Bucket",
    "boto3.resources.base.ServiceResource.Object": "boto3.resources.factory.s3.Object",
    "boto3.resources.factory.s3.Bucket.Object": "boto3.resources.factory.s3.Object",
    # Google Cloud (sync)
    "google.cloud.storage.Client.bucket": "google.cloud.storage.Bucket",
    "google.cloud.storage.Client.get_bucket": "google.cloud.storage.Bucket",
    "google.cloud.storage.Client.lookup_bucket": "google.cloud.storage.Bucket",
    "google.cloud.storage.Client.create_bucket": "google.cloud.storage.Bucket",
    "google.cloud.storage.Bucket.blob": "google.cloud.storage.Blob",
    "google.cloud.storage.Bucket.get_blob": "google.cloud.storage.Blob",
    "google.cloud.bigquery.Client.query": "google.cloud.bigquery.QueryJob",
    "google.cloud.bigquery.Client.load_table_from_uri": "google.cloud.bigquery.LoadJob",
    "google.cloud.bigquery.Client.load_table_from_file": "google.cloud.bigquery.LoadJob",
    "google.cloud.bigquery.Client.load_table_from_dataframe": "google.cloud.bigquery.LoadJob",
    "google.cloud.bigquery.Client.load_table_from_json": "google.cloud.bigquery.LoadJob",
    "google.cloud.firestore.Client.collection": "google.cloud.firestore.CollectionReference",
    "google.cloud.firestore.Client.document": "google.cloud.firestore.DocumentReference",
    "google.cloud.firestore.Client.batch": "google.cloud.firestore.WriteBatch",
    "google.cloud.firestore.CollectionReference.document": "google.cloud.firestore.DocumentReference",
    "google.cloud.firestore.DocumentReference.collection": "google.cloud.firestore.CollectionReference",
    "google.cloud.firestore.CollectionReference.where": "google.cloud.firestore.Query",
    "google.cloud.firestore.CollectionReference.order_by": "google.cloud.firestore.Query",
    "google.cloud.firestore.CollectionReference.limit": "google.cloud.firestore.Query",
    "google.cloud.firestore.Query.where": "google.cloud.firestore.Query",
    "google.cloud.firestore.Query.order_by": "google.cloud.firestore.Query",
    "google.cloud.firestore.Query.limit": "google.cloud.firestore.Query",
    "google.cloud.firestore.Query.offset": "google.cloud.firestore.Query",
    "google.cloud.pubsub_v1.PublisherClient.publish": "google.cloud.pubsub_v1.publisher.futures.Future",
    # Azure (sync)
    "azure.storage.blob.BlobServiceClient.from_connection_string": "azure.storage.blob.BlobServiceClient",
    "azure.storage.blob.BlobServiceClient.get_container_client": "azure.storage.blob.ContainerClient",
    "azure.storage.blob.BlobServiceClient.get_blob_client": "azure.storage.blob.BlobClient",
    "azure.storage.blob.ContainerClient.from_connection_string": "azure.storage.blob.ContainerClient",
    "azure.storage.blob.ContainerClient.from_container_url": "azure.storage.blob.ContainerClient",
    "azure.storage.blob.ContainerClient.get_blob_client": "azure.storage.blob.BlobClient",
    "azure.storage.blob.BlobClient.from_connection_string": "azure.storage.blob.BlobClient",
    "azure.storage.blob.BlobClient.from_blob_url": "azure.storage.blob.BlobClient",
    "azure.storage.blob.BlobClient.download_blob": "azure.storage.blob.StorageStreamDownloader",
    "azure.storage.blob.ContainerClient.download_blob": "azure.storage.blob.StorageStreamDownloader",
    "azure.cosmos.CosmosClient.get_database_client": "azure.cosmos.DatabaseProxy",
    "azure.cosmos.DatabaseProxy.get_container_client": "azure.cosmos.ContainerProxy",
    "pwdlib.PasswordHash.recommended": "pwdlib.PasswordHash",
    # asyncio
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
    # HTTP, sockets
    "requests.session": "requests.Session",
    "urllib.request.urlopen": "http.client.HTTPResponse",
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "urllib3.connection_from_url": "urllib3.HTTPConnectionPool",
    "httpx.Client.stream": "httpx.Response",
    "socket.socket": "socket.socket",
    "socket.create_connection": "socket.socket",
    "ssl.create_default_context": "ssl.SSLContext",
    "ssl.SSLContext.wrap_socket": "ssl.SSLSocket",
    # Threads and futures
    "concurrent.futures.ThreadPoolExecutor.submit": "concurrent.futures.Future",
    "concurrent.futures.ProcessPoolExecutor.submit": "concurrent.futures.Future",
    "asyncio.run_coroutine_threadsafe": "concurrent.futures.Future",
    # CPU-heavy libraries
    "PIL.Image.open": "PIL.Image.Image",
    "PIL.Image.new": "PIL.Image.Image",
    "PIL.Image.Image.resize": "PIL.Image.Image",
    "PIL.Image.Image.convert": "PIL.Image.Image",
    "PIL.Image.Image.rotate": "PIL.Image.Image",
    "PIL.Image.Image.crop": "PIL.Image.Image",
    "PIL.Image.Image.copy": "PIL.Image.Image",
    "PIL.Image.Image.transpose": "PIL.Image.Image",
    # Message queues
    "pika.BlockingConnection.channel": "pika.adapters.blocking_connection.BlockingChannel",
    "kafka.KafkaProducer.send": "kafka.producer.future.FutureRecordMetadata",
    # Clusters and SaaS SDKs
    "twilio.rest.Client.verify.v2.services": "twilio.rest.verify.v2.service.ServiceContext",
    "twilio.rest.Client.verify.services": "twilio.rest.verify.v2.service.ServiceContext",
    "pinecone.Pinecone.Index": "pinecone.Index",
    "apify_client.ApifyClient.actor": "apify_client.clients.ActorClient",
    "apify_client.ApifyClient.run": "apify_client.clients.RunClient",
    "apify_client.ApifyClient.dataset": "apify_client.clients.DatasetClient",
    "apify_client.ApifyClient.key_value_store": "apify_client.clients.KeyValueStoreClient",
    "apify_client.clients.ActorClient.last_run": "apify_client.clients.RunClient",
    "apify_client.clients.RunClient.dataset": "apify_client.clients.DatasetClient",
    "chromadb.api.ClientAPI.get_collection": "chromadb.api.models.Collection.Collection",
    "chromadb.api.ClientAPI.get_or_create_collection": "chromadb.api.models.Collection.Collection",
    "chromadb.api.ClientAPI.create_collection": "chromadb.api.models.Collection.Collection",
    **{f"weaviate.{f}": "weaviate.WeaviateClient" for f in ("connect_to_local", "connect_to_weaviate_cloud",
                                                              "connect_to_custom", "connect_to_embedded", "connect_to_wcs")},
    "weaviate.WeaviateClient.collections.get": "weaviate.collections.Collection",
    "weaviate.WeaviateClient.collections.create": "weaviate.collections.Collection",
    "weaviate.WeaviateClient.collections.use": "weaviate.collections.Collection",
    "mem0.Memory.from_config": "mem0.Memory",
    "fsspec.filesystem": "fsspec.AbstractFileSystem",
    # Django's lazy query sets: built here, run by the methods of the catalog's Django entries.
    # A fetched row is a ``Model`` (the project's own class is not known here).
    **{
        f"{owner}.{method}": "django.db.models.Model"
        for owner in ("django.db.models.Manager", "django.db.models.QuerySet")
        for method in ("get", "create", "first", "last", "earliest", "latest")
    },
    **{
        f"{owner}.{method}": "django.db.models.QuerySet"
        for owner in ("django.db.models.Manager", "django.db.models.Model.objects", "django.db.models.QuerySet")
        for method in (
            "all filter exclude order_by select_related prefetch_related values values_list annotate distinct "
            "only defer using reverse none select_for_update alias union intersection difference"
        ).split()
    },
    "transformers.pipeline": "transformers.Pipeline",
    # a Hugging Face model: loaded by an auto class, moved and switched to inference in place
    # (``model = AutoModelForCausalLM.from_pretrained(name).to(device).eval()``)
    **{f"transformers.{auto}.from_pretrained": "transformers.PreTrainedModel" for auto in TRANSFORMERS_AUTO_MODELS},
    **{f"transformers.PreTrainedModel.{method}": "transformers.PreTrainedModel"
       for method in "to eval cuda cpu half float bfloat16 requires_grad_".split()},
    # supabase-py's sync client and its PostgREST builders
    "supabase.create_client": "supabase.Client",
    **{f"supabase.Client.{made}": "postgrest.SyncRequestBuilder" for made in ("table", "from_", "rpc", "schema")},
    "supabase.Client.storage.from_": "storage3.SyncBucket",
    # the Weaviate v3 client's query builders
    "weaviate.Client.query.get": "weaviate.gql.get.GetBuilder",
    "weaviate.Client.query.aggregate": "weaviate.gql.aggregate.AggregateBuilder",
    # pydub's clips, made by its class methods
    **{f"pydub.AudioSegment.{made}": "pydub.AudioSegment"
       for made in "from_file from_mp3 from_ogg from_flv from_wav silent empty".split()},
    # PyGithub: the objects a client's lookups return, whose methods make the requests
    **{f"{owner}.get_repo": "github.Repository.Repository" for owner in (
        "github.Github", "github.Organization.Organization", "github.AuthenticatedUser.AuthenticatedUser",
        "github.NamedUser.NamedUser")},
    "github.Github.get_user": "github.AuthenticatedUser.AuthenticatedUser",
    "github.Github.get_organization": "github.Organization.Organization",
    "github.Organization.Organization.create_repo": "github.Repository.Repository",
    "github.AuthenticatedUser.AuthenticatedUser.create_repo": "github.Repository.Repository",
    **{f"github.Repository.Repository.{made}": "github.PullRequest.PullRequest" for made in ("get_pull", "create_pull")},
    **{f"github.Repository.Repository.{made}": "github.Issue.Issue" for made in ("get_issue", "create_issue")},
    # pandas' readers give a data frame (whose ``to_sql`` writes through a synchronous driver)
    **{f"pandas.{reader}": "pandas.DataFrame" for reader in (
        "read_csv read_excel read_parquet read_json read_sql read_sql_query read_sql_table read_table read_feather "
        "read_pickle read_stata read_sas read_spss").split()},
    "spacy.load": "spacy.language.Language",
    "spacy.blank": "spacy.language.Language",
    "ldap.initialize": "ldap.ldapobject.LDAPObject",
    # python-emails' shortcut for ``Message(html=...)``
    "emails.html": "emails.Message",
    **{f"passlib.hash.{h}.using": f"passlib.hash.{h}" for h in PASSLIB_HANDLERS},
}

# ``pathlib`` operations that give a path: ``DATA / name``, ``root.joinpath(...)``, ``Path.cwd()``.
RETURNS.update(
    {
        f"pathlib.Path.{method}": "pathlib.Path"
        for method in (
            "__truediv__ __rtruediv__ joinpath with_name with_stem with_suffix resolve absolute expanduser "
            "relative_to cwd home readlink"
        ).split()
    }
)

# Properties of external types whose value has a known type: ``path.parent.iterdir()``.
# ``Catalog.match`` follows them, and so does the project phase (``path.parent / "x"``).
ATTRIBUTE_TYPES: dict[str, str] = {
    "pathlib.Path.parent": "pathlib.Path",
    "django.db.models.Model.objects": "django.db.models.Manager",
    # ``from fastapi_sqlalchemy import db``: ``db.session`` is the request's sync ``Session``.
    "fastapi_sqlalchemy.db.session": "sqlalchemy.orm.Session",
    "fastapi_sqlalchemy.middleware.db.session": "sqlalchemy.orm.Session",
    "pymongo.collection.Collection.database": "pymongo.database.Database",
    "pymongo.database.Database.client": "pymongo.MongoClient",
    # supabase-py's sync client: its auth (GoTrue) client, the auth admin API, and storage
    "supabase.Client.auth": "gotrue.SyncGoTrueClient",
    "gotrue.SyncGoTrueClient.admin": "gotrue.SyncGoTrueAdminAPI",
    "celery.Celery.control": "celery.app.control.Control",
}

# Types whose attributes that are not methods are items of another type: ``client.shop.orders``
# is the ``orders`` collection of the ``shop`` database. ``Catalog.match`` follows them.
ITEM_TYPES: dict[str, str] = {
    "pymongo.MongoClient": "pymongo.database.Database",
    "pymongo.database.Database": "pymongo.collection.Collection",
    "pymongo.collection.Collection": "pymongo.collection.Collection",  # ``db.logs.errors``
}
