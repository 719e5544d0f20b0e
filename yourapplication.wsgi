# mod_wsgi loads this file by path (WSGIScriptAlias, mod_wsgi-express); everything else imports wsgi.
from wsgi import application  # noqa: F401
