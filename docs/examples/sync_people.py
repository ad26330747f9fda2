"""Keep the course in step with an HR system: upsert people, assign a module, follow events.

    python sync_people.py BASE_URL people.csv MODULE_ID STATE_FILE   (key in ALLYSHIP_API_KEY)

people.csv has the columns external_id,email,name,department,manager_external_id. Safe to
run again: the batch is an upsert, assigning twice keeps the first assignment, and the
events feed resumes after the last event STATE_FILE recorded. Standard library only.
"""

import csv
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

base, people_csv, module_id, state_file = sys.argv[1:5]
key = os.environ["ALLYSHIP_API_KEY"]


def call(method: str, path: str, body: object = None) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:  # RFC 9457 problem: say which field and why
        problem = json.loads(error.read() or b"{}")
        sys.exit(
            f"{method} {path}: {error.code} {problem.get('detail')} {problem.get('errors', '')}"
        )


with open(people_csv, newline="", encoding="utf-8") as f:
    people = [{k: v for k, v in row.items() if v} for row in csv.DictReader(f)]
call("POST", "/people/batch", {"people": people})
for person in people:
    call("PUT", f"/people/{person['external_id']}/assignments/{module_id}", {})
print(f"synced {len(people)} people; {module_id} assigned")

state = Path(state_file)
after = int(state.read_text()) if state.exists() else 0
while True:
    page = call("GET", f"/events?after={after}&limit=500")
    for event in page["events"]:
        print(event["seq"], event["type"], event["data"]["person"]["external_id"])
    after = page["next_after"]
    state.write_text(str(after))  # stored after every page: a crash resumes here
    if not page["more"]:
        break
