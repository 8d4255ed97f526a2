from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from .models import Role
from .services import AccountError, all_users, create_user, set_active, set_password, set_role, user_by_email

users_cli = AppGroup("users", help="Manage staff accounts.")
ROLE_CHOICE = click.Choice([r.value for r in Role])


def _existing(email: str):
    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.password_option(prompt="Password", help="Asked for when not given.")
def create(email: str, role: str, password: str):
    """Create a staff account (asks for the password; refuses weak ones)."""
    try:
        user = create_user(email, role, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created {user.email} ({user.role})")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(prompt="New password")
def set_password_command(email: str, password: str):
    """Set a new password; signs the user out everywhere and lifts a lockout."""
    user = _existing(email)
    try:
        set_password(user, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"password changed for {user.email}")


@users_cli.command("disable")
@click.argument("email")
def disable(email: str):
    """Disable an account and end its sessions."""
    set_active(_existing(email), False)
    db.session.commit()
    click.echo(f"disabled {email}")


@users_cli.command("enable")
@click.argument("email")
def enable(email: str):
    set_active(_existing(email), True)
    db.session.commit()
    click.echo(f"enabled {email}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
def set_role_command(email: str, role: str):
    set_role(_existing(email), role)
    db.session.commit()
    click.echo(f"{email} is now {role}")


@users_cli.command("list")
def list_users():
    for user in db.session.scalars(all_users()):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.email}\t{user.role}\t{state}")
