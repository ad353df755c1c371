"""What third-party factories return, and the public names of types with several spellings.

The project phase uses these to follow ``SessionLocal = sessionmaker(...)`` to
``SessionLocal()`` being a ``sqlalchemy.orm.Session``. External callables whose
name starts with a capital letter are taken to be classes and need no entry.
"""

from __future__ import annotations

RETURNS: dict[str, str] = {
    # SQLAlchemy (sync)
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.sessionmaker.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.sessionmaker.begin": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.orm.scoped_session.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
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
    # SQLAlchemy (async): known so that their methods are known not to block
    "sqlalchemy.ext.asyncio.async_sessionmaker.__call__": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.async_sessionmaker",
    # DB-API drivers
    "psycopg2.connect": "psycopg2.extensions.connection",
    "psycopg2.extensions.connection.cursor": "psycopg2.extensions.cursor",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "pymysql.connect": "pymysql.connections.Connection",
    "pymysql.connections.Connection.cursor": "pymysql.cursors.Cursor",
    "MySQLdb.connect": "MySQLdb.connections.Connection",
    "MySQLdb.connections.Connection.cursor": "MySQLdb.cursors.Cursor",
    "mysql.connector.connect": "mysql.connector.MySQLConnection",
    "mysql.connector.MySQLConnection.cursor": "mysql.connector.cursor.MySQLCursor",
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    # Mongo, Redis
    "pymongo.MongoClient.get_database": "pymongo.database.Database",
    "pymongo.database.Database.get_collection": "pymongo.collection.Collection",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.StrictRedis.from_url": "redis.Redis",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis",
    "redis.Redis.pipeline": "redis.client.Pipeline",
    # AWS
    "boto3.client": "botocore.client.BaseClient",
    "boto3.resource": "boto3.resources.base.ServiceResource",
    "boto3.session.Session.client": "botocore.client.BaseClient",
    "boto3.Session.client": "botocore.client.BaseClient",
    "boto3.Session.resource": "boto3.resources.base.ServiceResource",
    "boto3.session.Session.resource": "boto3.resources.base.ServiceResource",
    # asyncio
    "asyncio.new_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_event_loop": "asyncio.AbstractEventLoop",
    "asyncio.get_running_loop": "asyncio.AbstractEventLoop",
    # HTTP
    "requests.session": "requests.Session",
    "urllib.request.urlopen": "http.client.HTTPResponse",
    "httpx.Client.stream": "httpx.Response",
}

TYPE_ALIASES: dict[str, str] = {
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoping.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.orm.query.Query": "sqlalchemy.orm.Query",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.engine.Connection",
    "sqlalchemy.Connection": "sqlalchemy.engine.Connection",
    "sqlmodel.Session": "sqlalchemy.orm.Session",
    "sqlmodel.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "requests.sessions.Session": "requests.Session",
    "httpx._client.Client": "httpx.Client",
    "redis.client.Redis": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "pymongo.collection.Collection": "pymongo.collection.Collection",
    "openai.Client": "openai.OpenAI",
    "anthropic.Client": "anthropic.Anthropic",
    "psycopg2.extensions.connection": "psycopg2.extensions.connection",
    "boto3.session.Session": "boto3.Session",
    "slack_sdk.web.client.WebClient": "slack_sdk.WebClient",
    "elasticsearch.client.Elasticsearch": "elasticsearch.Elasticsearch",
}
