"""SCIM Users: create, read, filter, page, replace, and the errors a SCIM client reads."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent, Invite, User
from tests.factories import make_user
from tests.scim.helpers import ENTERPRISE, USER, create_user, headers, user_body


def test_post_user_creates_a_learner_with_department_and_manager_and_one_invite(
    client: TestClient, session: Session, scim_key: str
) -> None:
    boss = create_user(client, scim_key, "boss@example.com")
    body = {
        **user_body(
            "Ana@Example.com", "Ana Example", department="Sales", manager={"value": boss["id"]}
        ),
        "externalId": "00u1",
    }
    created = client.post("/scim/v2/Users", json=body, headers=headers(scim_key))
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith("application/scim+json")
    assert created.headers["location"].endswith(f"/scim/v2/Users/{created.json()['id']}")
    assert created.headers["etag"] == created.json()["meta"]["version"]
    found = created.json()
    assert (found["userName"], found["externalId"], found["active"]) == (
        "ana@example.com",
        "00u1",
        True,
    )
    assert found[ENTERPRISE]["department"] == "Sales"
    assert found[ENTERPRISE]["manager"]["value"] == boss["id"]
    person = session.exec(select(User).where(User.email == "ana@example.com")).one()
    assert person.role == "learner" and person.manager_id == int(boss["id"])
    assert len(session.exec(select(Invite).where(Invite.user_id == person.id)).all()) == 1


def test_post_user_whose_email_exists_in_another_case_is_a_uniqueness_conflict(
    client: TestClient, session: Session, scim_key: str
) -> None:
    make_user(session, "ana@example.com")
    again = client.post(
        "/scim/v2/Users", json=user_body("ANA@example.COM"), headers=headers(scim_key)
    )
    assert again.status_code == 409
    assert again.json()["scimType"] == "uniqueness" and again.json()["status"] == "409"
    assert len(session.exec(select(User)).all()) == 1


def test_post_user_with_a_taken_external_id_is_a_uniqueness_conflict(
    client: TestClient, scim_key: str
) -> None:
    create_user(client, scim_key, "a@example.com", externalId="E1")
    again = client.post(
        "/scim/v2/Users",
        json={**user_body("b@example.com"), "externalId": "E1"},
        headers=headers(scim_key),
    )
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"


def test_user_name_that_is_not_an_email_is_an_invalid_value(
    client: TestClient, scim_key: str
) -> None:
    refused = client.post("/scim/v2/Users", json=user_body("bjensen"), headers=headers(scim_key))
    assert refused.status_code == 400 and refused.json()["scimType"] == "invalidValue"
    assert "e-mail" in refused.json()["detail"]


def test_a_body_that_is_not_json_is_invalid_syntax_not_a_server_error(
    client: TestClient, scim_key: str
) -> None:
    refused = client.post("/scim/v2/Users", content=b"{not json", headers=headers(scim_key))
    assert refused.status_code == 400 and refused.json()["scimType"] == "invalidSyntax"
    assert refused.headers["content-type"].startswith("application/scim+json")


def test_unknown_user_and_unknown_path_are_scim_404s(client: TestClient, scim_key: str) -> None:
    for url in ("/scim/v2/Users/999", "/scim/v2/Users/not-a-number", "/scim/v2/Nothing"):
        missing = client.get(url, headers=headers(scim_key))
        assert missing.status_code == 404, url
        assert missing.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_filter_user_name_eq_ignores_case_and_external_id_eq_does_not(
    client: TestClient, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com", externalId="Okta-1")
    create_user(client, scim_key, "bo@example.com", externalId="okta-1")
    by_name = client.get(
        "/scim/v2/Users",
        params={"filter": 'userName eq "ANA@Example.com"'},
        headers=headers(scim_key),
    ).json()
    assert by_name["totalResults"] == 1 and by_name["Resources"][0]["id"] == ana["id"]
    by_external = client.get(
        "/scim/v2/Users", params={"filter": 'externalId eq "Okta-1"'}, headers=headers(scim_key)
    ).json()
    assert [r["id"] for r in by_external["Resources"]] == [ana["id"]]


def test_filter_with_and_or_and_paging_by_start_index_and_count(
    client: TestClient, scim_key: str
) -> None:
    ids = [
        create_user(client, scim_key, f"p{i}@example.com", externalId=f"E{i}")["id"]
        for i in range(5)
    ]
    either = 'externalId eq "E1" or externalId eq "E3" or (userName sw "p4" and active eq true)'
    found = client.get(
        "/scim/v2/Users", params={"filter": either}, headers=headers(scim_key)
    ).json()
    assert [r["id"] for r in found["Resources"]] == [ids[1], ids[3], ids[4]]
    page = client.get(
        "/scim/v2/Users", params={"startIndex": 2, "count": 2}, headers=headers(scim_key)
    ).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["id"] for r in page["Resources"]] == ids[1:3]
    counted = client.get("/scim/v2/Users", params={"count": 0}, headers=headers(scim_key)).json()
    assert counted["totalResults"] == 5 and counted.get("Resources", []) == []


def test_like_filters_treat_percent_and_underscore_as_plain_characters(
    client: TestClient, scim_key: str
) -> None:
    create_user(client, scim_key, "a_b@example.com")
    create_user(client, scim_key, "axb@example.com")
    found = client.get(
        "/scim/v2/Users", params={"filter": 'userName sw "a_"'}, headers=headers(scim_key)
    ).json()
    assert [r["userName"] for r in found["Resources"]] == ["a_b@example.com"]


def test_unknown_huge_deep_or_malformed_filters_are_invalid_filter(
    client: TestClient, scim_key: str
) -> None:
    bad = [
        'roles eq "admin"',
        'userName eq "a"' + ' or userName eq "a"' * 30,
        "(" * 40 + 'userName eq "a"' + ")" * 40,
        'userName eq "a' + "x" * 1500 + '"',
        'userName eq "unterminated',
        "userName zz 1",
    ]
    for text in bad:
        refused = client.get("/scim/v2/Users", params={"filter": text}, headers=headers(scim_key))
        assert refused.status_code == 400, (text[:40], refused.text)
        assert refused.json()["scimType"] in ("invalidFilter", "invalidSyntax", "invalidValue"), (
            text[:40]
        )


def test_put_replaces_the_name_and_an_absent_extension_leaves_department_and_manager(
    client: TestClient, scim_key: str
) -> None:
    boss = create_user(client, scim_key, "boss@example.com")
    ana = create_user(
        client,
        scim_key,
        "ana@example.com",
        {"department": "Sales", "manager": {"value": boss["id"]}},
    )
    replaced = client.put(
        f"/scim/v2/Users/{ana['id']}",
        json={
            "schemas": [USER],
            "userName": "ana@example.com",
            "name": {"givenName": "Ana", "familyName": "Q"},
        },
        headers=headers(scim_key),
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["displayName"] == "Ana Q"
    assert replaced.json()[ENTERPRISE] == {
        "department": "Sales",
        "manager": {"value": boss["id"], "$ref": boss["meta"]["location"]},
    }


def test_a_stale_if_match_is_refused_with_412_and_the_current_one_accepted(
    client: TestClient, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    url = f"/scim/v2/Users/{ana['id']}"
    old = ana["meta"]["version"]
    body = user_body("ana@example.com", "Ana Two")
    assert (
        client.put(url, json=body, headers=headers(scim_key, **{"If-Match": old})).status_code
        == 200
    )
    stale = client.put(
        url,
        json=user_body("ana@example.com", "Ana Three"),
        headers=headers(scim_key, **{"If-Match": old}),
    )
    assert stale.status_code == 412
    assert client.get(url, headers=headers(scim_key)).json()["displayName"] == "Ana Two"


def test_every_write_is_audited_with_the_key_and_old_and_new_values(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    client.put(
        f"/scim/v2/Users/{ana['id']}",
        json=user_body("ana@example.com", "Ana B"),
        headers=headers(scim_key),
    )
    events = session.exec(select(AuditEvent).where(AuditEvent.action.startswith("scim."))).all()  # type: ignore[attr-defined]
    assert [e.action for e in events] == ["scim.user_create", "scim.user_update"]
    assert '"okta"' in events[1].detail and '"name": ["Ana Example", "Ana B"]' in events[1].detail


def test_discovery_documents_describe_what_the_server_keeps(
    client: TestClient, scim_key: str
) -> None:
    config = client.get("/scim/v2/ServiceProviderConfig", headers=headers(scim_key)).json()
    assert (
        config["patch"]["supported"]
        and config["filter"]["maxResults"] == 200
        and config["etag"]["supported"]
    )
    types = client.get("/scim/v2/ResourceTypes", headers=headers(scim_key)).json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = client.get("/scim/v2/Schemas", headers=headers(scim_key)).json()["Resources"]
    user = next(s for s in schemas if s["id"] == USER)
    names = {a["name"]: a for a in user["attributes"]}
    assert "roles" not in names and "password" not in names
    assert names["emails"]["mutability"] == "readOnly"


def test_ids_made_of_unicode_digits_are_not_found_not_a_server_error(
    client: TestClient, scim_key: str
) -> None:
    for odd in ("²", "٣", "-1", str(2**63)):
        missing = client.get(f"/scim/v2/Users/{odd}", headers=headers(scim_key))
        assert missing.status_code == 404, odd


def test_paging_values_below_range_mean_the_first_page_and_none(
    client: TestClient, scim_key: str
) -> None:
    create_user(client, scim_key, "ana@example.com")
    low = client.get("/scim/v2/Users", params={"startIndex": -5}, headers=headers(scim_key)).json()
    assert low["startIndex"] == 1 and low["itemsPerPage"] == 1
    none = client.get("/scim/v2/Users", params={"count": -1}, headers=headers(scim_key)).json()
    assert none["totalResults"] == 1 and none["itemsPerPage"] == 0
    huge = client.get("/scim/v2/Users", params={"count": 2**40}, headers=headers(scim_key))
    assert huge.status_code == 400 and "count" in huge.json()["detail"]
