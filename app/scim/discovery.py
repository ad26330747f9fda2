"""What /scim/v2 publishes about itself: ServiceProviderConfig, ResourceTypes and Schemas.

The schemas list only the attributes this server keeps, with their real mutability, so a
client (or scim2-tester) never writes an attribute that would be silently dropped: the
e-mail is `userName` (`emails` is read-only, derived from it), `name.givenName` and
`name.familyName` are joined into the one stored name (write-only), roles are not offered.
"""

from __future__ import annotations

from typing import Any

from scim2_models import (
    Context,
    EnterpriseUser,
    Group,
    Meta,
    Mutability,
    Required,
    ResourceType,
    Returned,
    Schema,
    ServiceProviderConfig,
    User,
)

MAX_RESULTS = 200
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
DOCS = "https://github.com/allies-in-practice/allyship#scim-provisioning-okta-and-entra"

USER_KEEPS: dict[str, Mutability] = {
    "userName": Mutability.read_write,
    "name": Mutability.write_only,
    "displayName": Mutability.read_write,
    "active": Mutability.read_write,
    "emails": Mutability.read_only,
    "groups": Mutability.read_only,
}
DESCRIPTIONS = {
    "userName": "The person's e-mail address, which they sign in with; unique, case-insensitive.",
    "displayName": "The person's full name; a client may send name.formatted, or givenName "
    "and familyName, instead (they are joined and not returned).",
    "emails": "The sign-in e-mail (userName), the one address kept; a PATCH of the work or "
    'primary value (emails[type eq "work"].value) changes userName too.',
    "groups": "The person's department, as a Group; change it with the Group or department.",
    "active": "false deactivates a leaver (their records stay); only an explicit true reactivates.",
    "department": "The department's name; an unknown name creates the department.",
    "manager": "The person's manager: value is the SCIM id of another User.",
}


def _trimmed(schema: Schema, keeps: dict[str, Mutability]) -> Schema:
    attributes = []
    for attribute in schema.attributes or []:
        if attribute.name not in keeps:
            continue
        attribute.mutability = keeps[attribute.name]
        attribute.description = DESCRIPTIONS.get(attribute.name, attribute.description)
        if attribute.name == "name":
            attribute.sub_attributes = [
                s
                for s in attribute.sub_attributes or []
                if s.name in ("formatted", "givenName", "familyName")
            ]
            attribute.returned = Returned.never
            for sub in attribute.sub_attributes:
                sub.mutability, sub.returned = Mutability.write_only, Returned.never
        if attribute.name == "displayName":
            attribute.required = Required.true
        if attribute.name == "manager":  # its displayName is not sent: read the manager's User
            attribute.sub_attributes = [
                s for s in attribute.sub_attributes or [] if s.name != "displayName"
            ]
        for sub in attribute.sub_attributes or []:
            if attribute.mutability == Mutability.read_only:
                sub.mutability = Mutability.read_only
        attributes.append(attribute)
    schema.attributes = attributes
    return schema


def _group_schema() -> Schema:
    schema = Group.to_schema()
    for attribute in schema.attributes or []:
        if attribute.name == "displayName":
            attribute.description = "The department's name; unique, case-insensitive."
        if attribute.name == "members":
            attribute.description = (
                "The people in the department (Users only; one department each)."
            )
            attribute.sub_attributes = [
                s for s in attribute.sub_attributes or [] if s.name != "display"
            ]
            for sub in attribute.sub_attributes or []:
                if sub.name == "$ref":
                    sub.reference_types = ["User"]
                if sub.name == "type":
                    sub.canonical_values = ["User"]
    return schema


def schemas() -> list[Schema]:
    """The three schemas this server serves, trimmed to what it stores."""
    user = _trimmed(User.to_schema(), USER_KEEPS)
    enterprise = _trimmed(
        EnterpriseUser.to_schema(),
        {"department": Mutability.read_write, "manager": Mutability.read_write},
    )
    return [user, enterprise, _group_schema()]


def resource_types() -> list[ResourceType]:
    return [
        ResourceType.model_validate(
            {
                "id": "User",
                "name": "User",
                "endpoint": "/Users",
                "description": "People taking the course; deactivated, never deleted.",
                "schema": USER_SCHEMA,
                "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": False}],
            }
        ),
        ResourceType.model_validate(
            {
                "id": "Group",
                "name": "Group",
                "endpoint": "/Groups",
                "description": "Departments; members are the people in the department.",
                "schema": GROUP_SCHEMA,
            }
        ),
    ]


def service_provider_config() -> ServiceProviderConfig:
    return ServiceProviderConfig.model_validate(
        {
            "documentationUri": DOCS,
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": True},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "API key",
                    "description": "An API key with the scim scope "
                    "(`allyship api-key create NAME --scim`), sent as Authorization: Bearer <key>.",
                    "primary": True,
                }
            ],
        }
    )


def with_location(document: Any, base: str, kind: str) -> dict[str, Any]:
    """A discovery document as JSON, with its meta.location under this server's base URL."""
    document.meta = Meta(resource_type=kind, location=f"{base}/{kind}s/{document.id}")
    dumped: dict[str, Any] = document.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return dumped
