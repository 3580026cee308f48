"""GET /api/campaigns/{id}/report: the report's JSON with a read token; 401 without one, 404 for no campaign."""

from publisher import editors
from publisher.store import Store
from tests.support.factories import subscribe
from tests.support.tracking import events, subscriber_ids, tracked_campaign


def test_the_report_comes_as_json_with_a_read_token(http, store: Store):
    editors.add_user(store, "robot", "a-long-enough-password")
    token = editors.create_token(store, "robot", "tests", scopes=["read"])
    addresses = subscribe(store, "readers", 5)
    campaign = tracked_campaign(store, addresses, mode="aggregate")
    events(store, campaign, subscriber_ids(store, addresses)[:3], "open")

    answer = http.get(f"/api/campaigns/{campaign}/report", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["opens"]["human"], report["opens"]["estimated"]) == (3, True)
    assert report["delivered"] == 5 and report["posts"] == []
    missing = http.get("/api/campaigns/777/report", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404 and missing.json()["detail"] == "no campaign with id 777"
    assert http.get(f"/api/campaigns/{campaign}/report").status_code == 401
