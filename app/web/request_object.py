"""The request object's parts the notes name: form, args, cookies, files, method."""
from flask import render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField

from . import bp


class EchoForm(FlaskForm):
    text = StringField("Some text")
    attachment = FileField("A file (only its name and size are shown, nothing is stored)")
    submit = SubmitField("Post it")


@bp.route("/search")
def search():
    wd = request.args.get("wd", "")  # the notes' ?wd= query
    return render_template("web/search.html", wd=wd)


@bp.route("/request", methods=["GET", "POST"])
def request_object():
    form = EchoForm()
    if request.method == "POST" and not form.validate_on_submit():
        return render_template("web/request.html", form=form), 400
    files = {name: {"filename": f.filename, "size": len(f.read())} for name, f in request.files.items() if f}
    return render_template(
        "web/request.html",
        form=form,
        method=request.method,
        args=request.args.to_dict(flat=False),
        form_data={k: v for k, v in request.form.items() if k != "csrf_token"},
        cookies=sorted(request.cookies),
        files=files,
    )


@bp.route("/request/info")
def request_info():
    """What the app believes about this request: behind a front end, the client's view, not the proxy's."""
    return {
        "method": request.method,
        "scheme": request.scheme,
        "host": request.host,
        "url": request.url,
        "path": request.path,
        "remote_addr": request.remote_addr,
        "external_index": url_for("basics.index", _external=True),
        "authorization": request.authorization.type if request.authorization else None,
    }
