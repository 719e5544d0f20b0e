from flask import render_template

from . import bp
from .contact import ContactForm


@bp.route("/contact", methods=["GET", "POST"])
def contact():
    form = ContactForm()
    if form.is_submitted():
        if form.validate():
            return render_template("forms/contact_success.html", form=form)
        return render_template("forms/contact.html", form=form), 400
    return render_template("forms/contact.html", form=form)
