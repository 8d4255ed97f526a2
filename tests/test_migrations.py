"""The committed migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from westlake_feedback.extensions import db
from westlake_feedback.moderation.search import include_name


def test_models_and_migrations_agree(app, ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False, "include_name": include_name})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
