"""What runs in front of the app: templates an operator copies onto a server, and their Python.

Installed with the app (pyproject.toml), so the servers import it: `deploy.render` fills a template,
`deploy.sizing` sizes every app server, `deploy.gunicorn.conf` is gunicorn's config
(`gunicorn -c python:deploy.gunicorn.conf`) and `deploy.fastcgi.fcgi_server` the flup server
(`python -m deploy.fastcgi.fcgi_server`). Everything here is standard library only, so
`python3 -m deploy.render` also runs on a server's own Python, from the project folder.
"""
