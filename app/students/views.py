import secrets

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from ..extensions import db
from ..idempotency import submit_once
from . import bp
from .models import Students

FIELDS = ("name", "city", "addr", "pin")


class StudentForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=100)])
    city = StringField("City", [DataRequired(), Length(max=50)])
    addr = StringField("Address", [DataRequired(), Length(max=200)])
    pin = StringField("PIN", [DataRequired(), Regexp(r"^\d{4,10}$", message="4 to 10 digits.")])
    submit = SubmitField("Save")

    def fill(self, student: Students) -> None:
        for field in FIELDS:
            setattr(student, field, self[field].data.strip())


class NewStudentForm(StudentForm):
    # New on every form shown: a double click or a retry after a timeout posts it again, and
    # finds the row it already made (app/idempotency.py) instead of making a second one.
    submission = HiddenField(default=lambda: secrets.token_urlsafe(16), validators=[Length(max=64)])


class DeleteForm(FlaskForm):
    """Its only field is the CSRF token: the confirmation page's button posts it."""
    submit = SubmitField("Delete")


@bp.route("/")
def list_students():
    students = db.session.scalars(db.select(Students).order_by(Students.id)).all()
    # Links only, no forms: the list reads without making a session, and a delete is confirmed first.
    return render_template("students/list.html", students=students)


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = NewStudentForm()
    if form.is_submitted():
        if not form.validate():
            return render_template("students/form.html", form=form, title="Add a student"), 400

        def add_student():
            student = Students()
            form.fill(student)
            db.session.add(student)
            db.session.flush()
            return redirect(url_for(".list_students"), 303)

        fields = {field: form[field].data for field in FIELDS}
        response, saved_before = submit_once("students.create", form.submission.data, fields, add_student)
        flash(f"Record for {form.name.data.strip()} was {'already saved' if saved_before else 'added'}.", "info")
        return response
    return render_template("students/form.html", form=form, title="Add a student")


@bp.route("/<int:student_id>/edit", methods=["GET", "POST"])
def edit(student_id):
    student = db.get_or_404(Students, student_id, description="No student has that id.")
    form = StudentForm(obj=student)
    if form.is_submitted():
        if not form.validate():
            return render_template("students/form.html", form=form, title="Edit a student"), 400
        form.fill(student)
        db.session.commit()
        flash(f"Record for {student.name} was updated.", "info")
        return redirect(url_for(".list_students"), 303)
    return render_template("students/form.html", form=form, title="Edit a student")


@bp.route("/<int:student_id>/delete", methods=["GET", "POST"])
def delete(student_id):
    """GET asks "Delete Ann?"; only the POST from that page's button deletes (a GET never changes data)."""
    student = db.get_or_404(Students, student_id, description="No student has that id.")
    form = DeleteForm()
    if not form.is_submitted():
        return render_template("students/delete.html", student=student, form=form)
    if not form.validate():  # only the token can fail, and CSRFProtect refuses a bad one before this
        return render_template("students/delete.html", student=student, form=form), 400
    db.session.delete(student)
    db.session.commit()
    flash(f"Record for {student.name} was deleted.", "info")
    return redirect(url_for(".list_students"), 303)
