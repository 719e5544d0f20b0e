from flask import flash, redirect, render_template, request, url_for
from flask.views import View
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..users.models import User
from . import bp


class ShowUsers(View):
    def dispatch_request(self):
        users = db.session.scalars(db.select(User).order_by(User.id)).all()
        return render_template("pluggable/users.html", objects=users)


class RenderTemplateView(View):
    """One class, many pages: the template is chosen when the view is registered."""

    def __init__(self, template_name):
        self.template_name = template_name

    def dispatch_request(self):
        return render_template(self.template_name)


class NoteForm(FlaskForm):
    note = StringField("Note", [DataRequired(), Length(max=200)])
    submit = SubmitField("Post")


class MyView(View):
    methods = ["GET", "POST"]

    def dispatch_request(self):
        form = NoteForm()
        if request.method == "POST":
            if not form.validate_on_submit():
                return render_template("pluggable/myview.html", form=form), 400
            flash(f"MyView received a POST: {form.note.data}", "info")
            return redirect(url_for(".myview"), 303)
        return render_template("pluggable/myview.html", form=form)


bp.add_url_rule("/users/", view_func=ShowUsers.as_view("show_users"))
bp.add_url_rule("/about", view_func=RenderTemplateView.as_view("about_page", template_name="pluggable/about.html"))
bp.add_url_rule("/myview", view_func=MyView.as_view("myview"))
