"""python -m bench.devserver PORT: Flask's development server (Werkzeug's run_simple, threaded, no
reloader, as `flask run` starts it) serving wsgi:application, the floor of the table."""
import sys

from werkzeug.serving import run_simple

from wsgi import application

if __name__ == "__main__":
    run_simple("127.0.0.1", int(sys.argv[1]), application, threaded=True)
