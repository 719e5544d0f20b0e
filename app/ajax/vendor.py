"""jQuery (XStatic-jQuery) and sijax.js served from their installed packages, never copied in."""
import os

import sijax
import xstatic.pkg.jquery
from flask import send_from_directory

from . import bp

LIBRARIES = {
    "jquery": xstatic.pkg.jquery.BASE_DIR,
    "sijax": os.path.join(os.path.dirname(sijax.__file__), "js"),
}
ONE_YEAR = 365 * 24 * 3600


@bp.route("/vendor/<any(jquery, sijax):library>/<path:filename>")
def vendor(library, filename):
    # send_from_directory refuses paths that leave the folder; versions change only with the package pin.
    return send_from_directory(LIBRARIES[library], filename, max_age=ONE_YEAR)
