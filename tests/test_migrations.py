"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect


def test_migrated_database_matches_the_models(app):
    from backend.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
        assert diff == [], diff
        tables = set(inspect(connection).get_table_names())
        assert {"orders", "order_events", "routes", "stops", "jobs", "users"} <= tables


def test_downgrade_and_upgrade_again(app):
    from flask_migrate import downgrade, upgrade
    from backend.extensions import db

    with app.app_context():
        downgrade(revision="base")
        assert "orders" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "orders" in inspect(db.engine).get_table_names()
