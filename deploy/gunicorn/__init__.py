"""gunicorn, behind nginx: its config (conf.py) and its systemd unit."""
