"""The operator's commands, run through Flask's CLI runner against a real database."""
from tests.dispatch.helpers import make_orders
from tests.support import tomorrow


def test_create_org_then_its_admin_logs_in(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-org", "--name", "Rapide Inc", "--slug", "rapide", "--admin-email",
                                 "Boss@Rapide.test", "--admin-password", "long enough"])
    assert result.exit_code == 0, result.output
    from tests.support import Api

    assert Api(app).login("boss@rapide.test", "long enough").status_code == 200
    again = runner.invoke(args=["create-org", "--name", "X", "--slug", "rapide", "--admin-email", "x@y.test",
                                "--admin-password", "long enough"])
    assert again.exit_code != 0 and "slug" in again.output.lower()


def test_plan_command_drafts_and_publishes_a_day(app, org, dispatcher):
    ids = make_orders(dispatcher, 4)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["plan", "--org", "acme", "--date", tomorrow().isoformat(), "--time-limit", "1",
                                 "--publish"])
    assert result.exit_code == 0, result.output
    assert "Published" in result.output
    routes = dispatcher.get(f"/api/v1/routes?date={tomorrow()}").get_json()
    assert routes and all(r["status"] == "published" for r in routes)
    assert sorted(s["order"]["id"] for r in routes for s in r["stops"]) == sorted(ids)
    missing = runner.invoke(args=["plan", "--org", "nope", "--date", tomorrow().isoformat()])
    assert missing.exit_code != 0 and "No organization" in missing.output
