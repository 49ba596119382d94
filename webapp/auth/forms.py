from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from ..form_i18n import Form
from ..translate import lazy_gettext as _l


class LoginForm(Form):
    class Meta:
        csrf_time_limit = 3600  # a login form left open for hours must be reloaded

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=255)],
                       filters=[lambda value: value.strip().lower() if value else value])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class LogoutForm(Form):
    """Empty but for the CSRF token: logging out is a POST."""
