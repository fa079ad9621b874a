"""Change a user's password, which ends every session the user has."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from app.db import users
from app.web.passwords import hash_password
from app.web.session import end_sessions

__all__ = ["change_password"]


def change_password(engine: Engine, user_id: int, password: str) -> None:
    """Store a new password hash for *user_id* and sign the user out everywhere."""
    with engine.begin() as connection:
        connection.execute(users.update().where(users.c.id == user_id).values(password_hash=hash_password(password)))
    end_sessions(engine, user_id)
