# mod_wsgi loads this file by path (WSGIScriptAlias, mod_wsgi-express); everything else imports wsgi.
from deploy import metrics

# Before the app is imported: every daemon of this Apache counts into one folder (deploy/metrics.py).
metrics.use_for_this_apache()
from wsgi import application  # noqa: E402,F401
