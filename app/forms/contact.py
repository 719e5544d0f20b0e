"""The notes' ContactForm, rewritten for WTForms 3.

The notes import `Form` and `TextField`: `Form` is deprecated in Flask-WTF and `TextField` was
removed in WTForms 3, so the fields are StringField/EmailField and `validators.Required` is DataRequired;
choices are SelectChoice objects, as WTForms 3.3 deprecates bare tuples.
"""
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, InputRequired, IPAddress, Length, NumberRange, Optional


class ContactForm(FlaskForm):
    name = StringField("Name Of Student", [DataRequired("Please enter your name."), Length(max=80)])
    gender = RadioField("Gender", choices=[SelectChoice("M", "Male"), SelectChoice("F", "Female")], validators=[DataRequired("Please choose one.")])
    address = TextAreaField("Address", [Optional(), Length(max=500)])
    email = EmailField(
        "Email",
        [DataRequired("Please enter your email address."), Email("Please enter a valid email address.", check_deliverability=False)],
    )
    # InputRequired, not DataRequired: DataRequired treats the number 0 as missing.
    age = IntegerField("Age", [InputRequired("Please enter your age."), NumberRange(min=1, max=150)])
    language = SelectField("Languages", choices=[SelectChoice("cpp", "C++"), SelectChoice("py", "Python")])
    website = URLField("Website", [Optional(), URL(message="Please enter a full URL such as https://example.com.")])
    ip_address = StringField("IP address", [Optional(), IPAddress(ipv4=True, ipv6=True)])
    submit = SubmitField("Send")
