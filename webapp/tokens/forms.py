"""Forms of the tokens page."""
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..form_i18n import Form
from ..models import ApiToken
from ..translate import lazy_gettext as _l

NAME_MAX = ApiToken.__table__.c.name.type.length


class CreateTokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)],
                       filters=[lambda value: value.strip() if value else value])


class RevokeTokenForm(Form):
    """Empty but for the CSRF token: revoking is a POST."""
