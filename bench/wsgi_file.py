"""yourapplication.wsgi as an importable module, for the servers that take module:callable (granian, waitress)."""
import os
import runpy

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
application = runpy.run_path(os.path.join(PROJECT_DIR, "yourapplication.wsgi"))["application"]
