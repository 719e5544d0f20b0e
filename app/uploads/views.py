from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from wtforms import SubmitField

from . import bp, storage
from ..errors import handle_http_error


class InsufficientStorage(HTTPException):
    """507: the server cannot store the upload now (Werkzeug has no class for this status)."""

    code = 507


class UploadForm(FlaskForm):
    file = FileField("File", [FileRequired("Choose a file to upload.")])
    submit = SubmitField("Upload")


@bp.route("/uploader", methods=["GET", "POST"])
def uploader():
    form = UploadForm()
    if form.is_submitted():
        if not form.validate():
            return render_template("uploads/upload.html", form=form), 400
        try:
            name = storage.save(form.file.data)
        except storage.RefusedUpload as error:
            form.file.errors.append(str(error))
            return render_template("uploads/upload.html", form=form), 400
        except storage.StorageFull as error:
            current_app.logger.warning("upload %r not stored, %s is full: %s", form.file.data.filename,
                                       storage.backend().where, error.strerror)
            raise InsufficientStorage() from error
        flash(f"File uploaded successfully as {name}.", "info")
        return redirect(url_for(".list_uploads"), 303)
    return render_template("uploads/upload.html", form=form)


@bp.route("/uploads/")
def list_uploads():
    return render_template("uploads/list.html", files=storage.stored_files())


@bp.route("/uploads/<path:filename>")
def download(filename):
    # Offered back as a download only, so an uploaded .html can never run as this site's page.
    response = storage.send(filename)
    if response is None:
        abort(404, "No uploaded file has that name.")
    return response


@bp.errorhandler(storage.StorageUnavailable)
def store_not_answering(error):
    """A stalled or unreachable object store is a temporary 503 with Retry-After, like the database."""
    current_app.logger.warning("upload store unavailable: %s", error)
    return handle_http_error(ServiceUnavailable("The file store is not answering: nothing was changed. Please try again in a moment.",
                                                retry_after=5))
