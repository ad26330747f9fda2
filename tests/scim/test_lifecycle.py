"""Leavers, returners and misuse over SCIM: deactivation keeps history, roles stay out of reach,
manager loops and hr/admin accounts are refused, concurrent PATCHes both land."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.keys import create_key
from app.models import Invite, LoginSession, User
from tests.concurrency import at_once
from tests.conftest import login
from tests.factories import make_user
from tests.hr.factories import make_completion
from tests.scim.helpers import ENTERPRISE, create_user, headers, patch, user_body

ACTIVE = "active"


def _person(session: Session, scim_id: str) -> User:
    session.expire_all()
    person = session.get(User, int(scim_id))
    assert person is not None
    return person


def test_patch_active_false_deactivates_ends_sign_ins_and_keeps_records(
    app: FastAPI, client: TestClient, session: Session, scim_key: str
) -> None:
    ana = make_user(session, "ana@example.com")
    make_completion(session, ana, "first-steps")
    browser = TestClient(app)
    login(browser, "ana@example.com")
    assert browser.get("/").status_code == 200
    gone = patch(
        client, scim_key, f"/scim/v2/Users/{ana.id}", {"op": "replace", "value": {ACTIVE: False}}
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()[ACTIVE] is False
    person = _person(session, str(ana.id))
    assert not person.active and person.deactivated_at is not None
    revoked = session.exec(
        select(LoginSession.revoked_at).where(LoginSession.user_id == ana.id)
    ).all()
    assert revoked and all(r is not None for r in revoked)
    assert browser.get("/", follow_redirects=False).status_code in (303, 401)
    from app.models import Completion

    assert session.exec(select(Completion).where(Completion.user_id == ana.id)).first() is not None


def test_delete_deactivates_and_the_user_is_still_readable_as_inactive(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    assert (
        client.delete(f"/scim/v2/Users/{ana['id']}", headers=headers(scim_key)).status_code == 204
    )
    after = client.get(f"/scim/v2/Users/{ana['id']}", headers=headers(scim_key))
    assert after.status_code == 200 and after.json()[ACTIVE] is False
    assert session.exec(select(User).where(User.email == "ana@example.com")).one() is not None
    open_invites = session.exec(select(Invite).where(Invite.revoked_at == None)).all()  # noqa: E711
    assert open_invites == []


def test_patch_on_a_deactivated_user_changes_fields_but_never_reactivates_or_invites(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    client.delete(f"/scim/v2/Users/{ana['id']}", headers=headers(scim_key))
    invites_before = len(session.exec(select(Invite)).all())
    renamed = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{ana['id']}",
        {"op": "replace", "path": "displayName", "value": "Ana Left"},
    )
    assert renamed.status_code == 200 and renamed.json()[ACTIVE] is False
    replaced = client.put(
        f"/scim/v2/Users/{ana['id']}",
        json=user_body("ana@example.com", "Ana"),
        headers=headers(scim_key),
    )
    assert (
        replaced.status_code == 200 and replaced.json()[ACTIVE] is False
    )  # PUT without active: unchanged
    assert len(session.exec(select(Invite)).all()) == invites_before


def test_only_an_explicit_active_true_reactivates(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    client.delete(f"/scim/v2/Users/{ana['id']}", headers=headers(scim_key))
    back = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{ana['id']}",
        {"op": "replace", "path": "active", "value": True},
    )
    assert back.status_code == 200 and back.json()[ACTIVE] is True
    person = _person(session, ana["id"])
    assert person.active and person.deactivated_at is None


def test_removing_active_is_refused_not_treated_as_a_change(
    client: TestClient, session: Session, scim_key: str
) -> None:
    ana = create_user(client, scim_key, "ana@example.com")
    refused = patch(
        client, scim_key, f"/scim/v2/Users/{ana['id']}", {"op": "remove", "path": "active"}
    )
    assert refused.status_code == 400 and refused.json()["scimType"] == "mutability"
    assert _person(session, ana["id"]).active


def test_roles_sent_by_scim_are_ignored_and_new_people_are_learners(
    client: TestClient, session: Session, scim_key: str
) -> None:
    body = {
        **user_body("eve@example.com"),
        "roles": [{"value": "admin", "primary": True}],
        "userType": "admin",
    }
    eve = client.post("/scim/v2/Users", json=body, headers=headers(scim_key))
    assert eve.status_code == 201, eve.text
    assert "roles" not in eve.json()
    patched = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{eve.json()['id']}",
        {"op": "add", "path": "roles", "value": [{"value": "hr"}]},
    )
    assert patched.status_code == 200
    assert _person(session, eve.json()["id"]).role == "learner"


def test_hr_and_admin_accounts_keep_their_email_and_active_state(
    client: TestClient, session: Session, scim_key: str
) -> None:
    admin = make_user(session, "admin@example.com", role="admin")
    off = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{admin.id}",
        {"op": "replace", "path": "active", "value": False},
    )
    assert off.status_code == 403
    moved = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{admin.id}",
        {"op": "replace", "path": "userName", "value": "me@evil.example"},
    )
    assert moved.status_code == 403
    gone = client.delete(f"/scim/v2/Users/{admin.id}", headers=headers(scim_key))
    assert gone.status_code == 403
    person = _person(session, str(admin.id))
    assert person.active and person.email == "admin@example.com" and person.role == "admin"


def test_a_manager_loop_through_patch_is_refused(
    client: TestClient, session: Session, scim_key: str
) -> None:
    a = create_user(client, scim_key, "a@example.com")
    b = create_user(client, scim_key, "b@example.com")
    c = create_user(client, scim_key, "c@example.com")
    path = f"{ENTERPRISE}:manager"
    assert (
        patch(
            client,
            scim_key,
            f"/scim/v2/Users/{b['id']}",
            {"op": "add", "path": path, "value": a["id"]},
        ).status_code
        == 200
    )
    assert (
        patch(
            client,
            scim_key,
            f"/scim/v2/Users/{c['id']}",
            {"op": "add", "path": path, "value": {"value": b["id"]}},
        ).status_code
        == 200
    )
    loop = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{a['id']}",
        {"op": "replace", "path": path, "value": {"value": c["id"]}},
    )
    assert loop.status_code == 400 and loop.json()["scimType"] == "invalidValue"
    assert "loop" in loop.json()["detail"]
    itself = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{a['id']}",
        {"op": "replace", "path": path, "value": a["id"]},
    )
    assert itself.status_code == 400
    assert _person(session, a["id"]).manager_id is None


def test_removing_the_manager_by_patch_clears_it(
    client: TestClient, session: Session, scim_key: str
) -> None:
    boss = create_user(client, scim_key, "boss@example.com")
    ana = create_user(client, scim_key, "ana@example.com", {"manager": {"value": boss["id"]}})
    cleared = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{ana['id']}",
        {"op": "remove", "path": f"{ENTERPRISE}:manager"},
    )
    assert cleared.status_code == 200, cleared.text
    assert _person(session, ana["id"]).manager_id is None


def test_two_patches_at_once_both_land(app: FastAPI, session: Session, scim_key: str) -> None:
    first, second = TestClient(app), TestClient(app)
    ana = create_user(first, scim_key, "ana@example.com")
    url = f"/scim/v2/Users/{ana['id']}"
    codes = at_once(
        lambda: (
            patch(
                first, scim_key, url, {"op": "replace", "path": "displayName", "value": "Ana New"}
            ).status_code
        ),
        lambda: (
            patch(
                second,
                scim_key,
                url,
                {"op": "add", "path": f"{ENTERPRISE}:department", "value": "Sales"},
            ).status_code
        ),
    )
    assert codes == [200, 200]
    found = first.get(url, headers=headers(scim_key)).json()
    assert found["displayName"] == "Ana New" and found[ENTERPRISE]["department"] == "Sales"


def test_two_creates_of_one_user_name_at_once_make_one_person(
    app: FastAPI, session: Session, scim_key: str
) -> None:
    first, second = TestClient(app), TestClient(app)
    codes = at_once(
        lambda: (
            first.post(
                "/scim/v2/Users", json=user_body("ana@example.com"), headers=headers(scim_key)
            ).status_code
        ),
        lambda: (
            second.post(
                "/scim/v2/Users", json=user_body("ANA@example.com"), headers=headers(scim_key)
            ).status_code
        ),
    )
    assert sorted(codes) == [201, 409]
    assert len(session.exec(select(User)).all()) == 1


def test_keys_without_the_scim_scope_and_missing_keys_are_refused(
    client: TestClient, session: Session, scim_key: str
) -> None:
    api_key = create_key(session, name="hr-system", scopes=["read", "write"], actor_id=None)[1]
    refused = client.get("/scim/v2/Users", headers=headers(api_key))
    assert refused.status_code == 403 and refused.json()["status"] == "403"
    anonymous = client.get("/scim/v2/Users")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith(
        "Bearer"
    )
    assert (
        client.get("/api/v1/modules", headers={"Authorization": f"Bearer {scim_key}"}).status_code
        == 403
    )


def test_a_manager_can_be_named_by_external_id_as_okta_sends_it(
    client: TestClient, session: Session, scim_key: str
) -> None:
    boss = create_user(client, scim_key, "boss@example.com", externalId="00uBOSS")
    ana = create_user(client, scim_key, "ana@example.com")
    named = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{ana['id']}",
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "00uBOSS"}},
    )
    assert named.status_code == 200, named.text
    assert named.json()[ENTERPRISE]["manager"]["value"] == boss["id"]
    unknown = patch(
        client,
        scim_key,
        f"/scim/v2/Users/{ana['id']}",
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": "nobody"},
    )
    assert unknown.status_code == 400 and unknown.json()["scimType"] == "invalidValue"
