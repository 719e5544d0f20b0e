"""The native stack runner: PostgreSQL, an SMTP sink, an app server and a web server on loopback.

Used by `make up-native` / `make down-native` and by the front-end tests; see `python -m stack -h`.
"""
