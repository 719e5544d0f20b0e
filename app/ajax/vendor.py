"""jQuery (XStatic-jQuery) and sijax.js served from their installed packages, never copied in."""
import os

import sijax
import xstatic.pkg.jquery
from flask import send_from_directory

from .. import static_versions
from . import bp

LIBRARIES = {
    "jquery": xstatic.pkg.jquery.BASE_DIR,
    "sijax": os.path.join(os.path.dirname(sijax.__file__), "js"),
}


@bp.route("/vendor/<any(jquery, sijax):library>/<path:filename>")
def vendor(library, filename):
    # send_from_directory refuses paths that leave the folder. Cache-Control: app/static_versions.py.
    return send_from_directory(LIBRARIES[library], filename)


static_versions.serves_files("ajax.vendor", lambda values: LIBRARIES[values["library"]])
