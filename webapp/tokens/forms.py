"""Forms of the tokens page."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..models import ApiToken

NAME_MAX = ApiToken.__table__.c.name.type.length


class CreateTokenForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=NAME_MAX)],
                       filters=[lambda value: value.strip() if value else value])


class RevokeTokenForm(FlaskForm):
    """Empty but for the CSRF token: revoking is a POST."""
