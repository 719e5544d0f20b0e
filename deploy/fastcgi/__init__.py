"""flup, behind nginx: the FastCGI server (fcgi_server.py) and its systemd unit."""
