"""infra/contact-flow.json is the contact flow's source of truth; infra/template.yaml carries a
verbatim copy in AcknowledgementFlow's `Content: !Sub |` block, because CloudFormation cannot
read a local file and SAM CLI does not upload one for AWS::Connect::ContactFlow.

    python3 tests/infra/sync_contact_flow.py          rewrite the template's copy from the file
    python3 tests/infra/sync_contact_flow.py --check  exit 1 when the copy differs

test_contact_flow.py fails when they differ, so an edit of only one of them cannot land.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
CONTACT_FLOW = ROOT / "infra" / "contact-flow.json"

RESOURCE = "  AcknowledgementFlow:\n"
BLOCK_START = "      Content: !Sub |\n"
INDENT = " " * 8


def synced_template(template: str, flow: str) -> str:
    """The template with its flow block replaced by `flow`, indented as a YAML block scalar."""
    start = template.index(BLOCK_START, template.index(RESOURCE)) + len(BLOCK_START)
    end = start
    lines = template[start:].splitlines(keepends=True)
    for line in lines:
        if line.strip() and not line.startswith(INDENT):
            break
        end += len(line)
    # Keep the blank lines that separate the block from the next resource.
    block = template[start:end]
    trailing = block[len(block.rstrip("\n")) :]
    body = "".join(INDENT + line if line.strip() else line for line in flow.rstrip("\n").splitlines(keepends=True))
    return template[:start] + body + trailing + template[end:]


def main(argv: list[str]) -> int:
    template = TEMPLATE.read_text(encoding="utf-8")
    updated = synced_template(template, CONTACT_FLOW.read_text(encoding="utf-8"))
    if "--check" in argv:
        if updated != template:
            print(f"{TEMPLATE} differs from {CONTACT_FLOW}: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    if updated != template:
        TEMPLATE.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
