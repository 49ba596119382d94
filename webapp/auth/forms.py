from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    class Meta:
        csrf_time_limit = 3600  # a login form left open for hours must be reloaded

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=255)],
                       filters=[lambda value: value.strip().lower() if value else value])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")


class LogoutForm(FlaskForm):
    """Empty but for the CSRF token: logging out is a POST."""
