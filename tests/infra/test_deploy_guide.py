"""The deploy guide (infra/README.md and README.ja.md) is runnable as written, in order: its
```sh blocks are walked top to bottom as one shell session, and every `$VAR` a command uses
must have been set by an earlier command of the guide; every stack output a command queries
must exist; no command holds a <placeholder> to fill in; and a local file a command reads
exists relative to the directory the earlier `cd`s left the session in."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import INFRA, ROOT, load_template

TEMPLATE_DATA = load_template()
GUIDES = ["README.md", "README.ja.md"]

SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
QUERIED_OUTPUT = re.compile(r"OutputKey==\s*['`]([A-Za-z0-9]+)['`]")
PLACEHOLDER = re.compile(r"<[^<>\n]*[A-Za-z\u3040-\u30ff\u4e00-\u9fff][^<>\n]*>")
LOCAL_FILE = re.compile(r"^(?:\.{1,2}/)*[\w.-]+(?:/[\w.-]+)+\.[A-Za-z0-9]+$")
# Set by any shell before the guide starts.
ENVIRONMENT = {"HOME", "PATH", "PWD", "USER", "SHELL"}


def sh_blocks(text: str) -> list[str]:
    return SH_BLOCK.findall(text)


def commands(block: str) -> list[str]:
    """Lines joined at trailing backslashes; blank and comment-only lines dropped."""
    joined = re.sub(r"\\\n", " ", block)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def _scan(command: str):
    """Yields (kind, value) for a command line: ("var", name) for each expansion outside single
    quotes, ("word", text) for each word of a simple command, ("end", None) after each
    simple command. Quotes and $( ... ) nesting are followed the way a POSIX shell does."""
    contexts = ["top"]  # top | subst | double | single
    word, i, n = "", 0, len(command)
    while i < n:
        c, here = command[i], contexts[-1]
        if here == "single":
            if c == "'":
                contexts.pop()
            word += c
            i += 1
            continue
        if c == "\\" and i + 1 < n:
            word += command[i : i + 2]
            i += 2
            continue
        if c == "$" and command.startswith("$(", i):
            contexts.append("subst")
            word += "$("
            i += 2
            continue
        if c == "$" and i + 1 < n and (command[i + 1] == "{" or NAME.match(command, i + 1)):
            match = NAME.match(command, i + 2 if command[i + 1] == "{" else i + 1)
            if match:
                yield "var", match.group(0)
            word += c
            i += 1
            continue
        if here == "double":
            if c == '"':
                contexts.pop()
            word += c
            i += 1
            continue
        # top or subst: unquoted
        if c == "'":
            contexts.append("single")
        elif c == '"':
            contexts.append("double")
        elif c == ")" and here == "subst":
            contexts.pop()
        elif here == "top" and c == "#" and not word:
            break
        elif here == "top" and (c.isspace() or c in ";|&"):
            if word:
                yield "word", word
                word = ""
            if c in ";|&":
                yield "end", None
                if command.startswith(("&&", "||"), i):
                    i += 1
            i += 1
            continue
        word += c
        i += 1
    if word:
        yield "word", word
    yield "end", None


def unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return word


def assigned(words: list[str]) -> set[str]:
    """Shell variables a simple command sets for the rest of the session."""
    if not words:
        return set()
    assignment = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
    if all(assignment.match(w) for w in words):
        return {assignment.match(w).group(1) for w in words}
    if words[0] == "export":
        return {(assignment.match(w) or NAME.fullmatch(w)).group(1 if assignment.match(w) else 0) for w in words[1:]}
    if words[0] == "read":
        return {w for w in words[1:] if not w.startswith("-") and NAME.fullmatch(w)}
    if words[0] == "for" and len(words) > 2 and words[2] == "in":
        return {words[1]}
    return set()


@dataclass
class Walk:
    problems: list[str] = field(default_factory=list)
    queried_outputs: list[str] = field(default_factory=list)
    commands: int = 0


def walk(text: str, start: Path = ROOT) -> Walk:
    """Runs the guide's sh blocks in order on paper (nothing is executed)."""
    result, variables, cwd = Walk(), set(ENVIRONMENT), start
    for block in sh_blocks(text):
        for command in commands(block):
            result.commands += 1
            if PLACEHOLDER.search(command):
                result.problems.append(f"a placeholder to fill in: {command}")
            result.queried_outputs += QUERIED_OUTPUT.findall(command)
            words: list[str] = []
            pending_uses: list[str] = []
            for kind, value in _scan(command):
                if kind == "var":
                    pending_uses.append(value)
                elif kind == "word":
                    words.append(value)
                else:  # end of a simple command: its expansions happen before its assignments
                    for name in pending_uses:
                        if name not in variables:
                            result.problems.append(f"${name} is used before the guide sets it: {command}")
                    variables |= assigned(words)
                    if words and words[0] == "cd" and len(words) == 2:
                        cwd = Path(os.path.normpath(cwd / unquote(words[1])))
                        if not cwd.is_dir():
                            result.problems.append(f"cd into a directory that does not exist ({cwd}): {command}")
                    for word in words[1:]:
                        path = unquote(word)
                        if "$" not in path and LOCAL_FILE.match(path) and not (cwd / path).exists():
                            result.problems.append(f"{path} does not exist in {cwd.relative_to(ROOT.parent)}: {command}")
                    words, pending_uses = [], []
    return result


@pytest.mark.parametrize("readme", GUIDES)
def test_every_command_of_the_guide_is_runnable_in_order(readme):
    result = walk((INFRA / readme).read_text(encoding="utf-8"))
    assert result.commands > 10, "the guide's sh blocks were not found"
    assert not result.problems, "\n".join(result.problems)


@pytest.mark.parametrize("readme", GUIDES)
def test_every_output_the_guide_queries_exists(readme):
    result = walk((INFRA / readme).read_text(encoding="utf-8"))
    assert result.queried_outputs, "the guide reads no stack output"
    missing = sorted(set(result.queried_outputs) - set(TEMPLATE_DATA["Outputs"]))
    assert not missing, f"{readme} queries outputs the template lacks: {missing}"
    # Each of these has no condition: it exists whatever the parameters are.
    conditional = sorted(o for o in set(result.queried_outputs) if "Condition" in TEMPLATE_DATA["Outputs"][o])
    assert not conditional, f"{readme} queries outputs that exist only under a condition: {conditional}"


def test_the_walker_catches_what_a_shell_would_trip_over():
    guide = """
```sh
BUCKET=$(aws cloudformation describe-stacks --stack-name "$STACK" \\
  --query "Stacks[0].Outputs[?OutputKey=='NoSuchOutput'].OutputValue" --output text)
aws sns publish --topic-arn "$ALERT_TOPIC_ARN" --message-attributes '{"x":"$NOT_A_VARIABLE"}'
aws s3 cp samplejson/no-such-file.json "s3://$BUCKET/x.json"
aws s3api copy-object --copy-source "$BUCKET/x.json?versionId=<version id>"
```
"""
    result = walk(guide)
    assert any(p.startswith("$STACK is used") for p in result.problems)
    assert any(p.startswith("$ALERT_TOPIC_ARN is used") for p in result.problems)
    assert not any(p.startswith("$NOT_A_VARIABLE") for p in result.problems), "single quotes do not expand"
    assert not any("$BUCKET is used" in p for p in result.problems), "BUCKET was set by the first command"
    assert any("no-such-file.json" in p for p in result.problems)
    assert any("placeholder" in p for p in result.problems)
    assert result.queried_outputs == ["NoSuchOutput"]


def test_the_walker_follows_cd_read_export_and_chains():
    guide = """
```sh
cd infra
aws s3 cp ../samplejson/phoneNumber.json "s3://b/phoneNumber.json"
read -rs TOKEN
export REGION=ap-northeast-1 && echo "$REGION $TOKEN"
echo "${UNSET_ONE}" ; UNSET_TWO=1
```
"""
    problems = walk(guide).problems
    assert problems == [f"$UNSET_ONE is used before the guide sets it: echo \"${{UNSET_ONE}}\" ; UNSET_TWO=1"]
