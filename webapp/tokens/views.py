"""Personal API tokens: list, name, revoke."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..translate import gettext as _
from ..web import require_workspace
from . import services
from .forms import CreateTokenForm, RevokeTokenForm

bp = Blueprint("tokens", __name__, url_prefix="/tokens")


bp.before_request(require_workspace)  # tokens are for tutors and admins


def page(form: CreateTokenForm, new_token: str | None = None, status: int = 200):
    html = render_template("tokens/index.html", form=form, tokens=services.tokens_of(current_user),
                           new_token=new_token)
    # The plain token is on this page once: no cache may keep a copy of it.
    return html, status, {"Cache-Control": "no-store"}


@bp.get("")
def index():
    """The user's tokens, with a form to create one."""
    return page(CreateTokenForm())


@bp.post("")
def create():
    """Create a named token and show its plain text, this once."""
    form = CreateTokenForm()
    if not form.validate_on_submit():
        return page(form, status=400)
    _token, plain = services.issue(current_user, form.name.data)
    # Rendered, not redirected: the plain token must not travel in the (signed, unencrypted)
    # session cookie that a flash message would use.
    return page(CreateTokenForm(formdata=None), new_token=plain, status=201)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    """Revoke a token: requests with it get 401 from now on."""
    if not RevokeTokenForm().validate_on_submit():
        abort(400, description=_("Your form expired. Reload the page and try again."))
    token = services.revoke(current_user, token_id)
    if token is None:
        abort(404)
    flash(_("Token “%(name)s” revoked.", name=token.name), "info")
    return redirect(url_for("tokens.index"), code=303)
