#!/usr/bin/env python3
"""Expand/contract lint of the SQL migrations (README "Upgrades: expand/contract").

    upgrade-migration-lint.py [--root DIR] [--base SHA]

During a rolling upgrade the previous release's binary keeps serving while the
new one runs `cabildo migrate`, so every migration added since the previous
release must keep the previous binary working. Compared with the base commit
(default: scripts/lib/previous-release):

  * a migration that existed at the base must be byte-identical (a landed
    migration is never edited: its checksum is recorded in every database);
  * a new migration must be numbered after the component's landed ones;
  * a new migration's statements that break the previous binary (contract
    steps) are refused unless a `-- contract: <release>` comment inside or just
    before the statement names the release that stopped using what it removes:
    DROP TABLE/VIEW/SCHEMA/COLUMN/FUNCTION/TYPE/SEQUENCE, RENAME, ALTER COLUMN
    ... TYPE, SET NOT NULL, ADD COLUMN ... NOT NULL without a DEFAULT, REVOKE.

Migrations: migrations/*.sql (core) and plugins/<module>/migrations/*.sql.
Exit: 0 clean, 1 findings (printed as file:line: message), 2 usage error,
77 the base is not in this clone's history (shallow clone: nothing to compare).
Standard library only.
"""
import argparse
import os
import re
import subprocess
import sys

CONTRACT_RULES = [
    (re.compile(r"\bDROP\s+(MATERIALIZED\s+VIEW|TABLE|VIEW|SCHEMA|FUNCTION|PROCEDURE|TYPE|SEQUENCE)\b", re.I),
     "drops an object the previous release may still use"),
    (re.compile(r"\bDROP\s+COLUMN\b", re.I), "drops a column the previous release may still read or write"),
    (re.compile(r"\bRENAME\b", re.I), "renames: the previous release still uses the old name "
     "(add the new one, backfill, switch, drop the old one a release later)"),
    (re.compile(r"\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b", re.I),
     "changes a column's type under the previous release"),
    (re.compile(r"\bSET\s+NOT\s+NULL\b", re.I),
     "SET NOT NULL: the previous release's inserts do not fill the column"),
    (re.compile(r"\bREVOKE\b", re.I), "revokes a privilege the previous release may need"),
]
ADD_COLUMN = re.compile(r"\bADD\s+(COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?"
                        r"(?!(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE)\b)[\"\w]+\s+"
                        r"(?:\([^()]*\)|[^,;()])*?(?<!IS )\bNOT\s+NULL\b(?:\([^()]*\)|[^,;()])*", re.I)
CONTRACT_MARK = re.compile(r"--\s*contract:\s*(\S.*)$", re.I | re.M)
NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def statements(sql):
    """Splits SQL into (start_line, code, comments) per top-level statement.

    `code` has comments removed and single-quoted literals blanked; dollar-quoted
    bodies are kept (a DO block runs at migration time). `comments` are the
    comments from the end of the previous statement up to this one's `;`."""
    out, code, comments = [], [], []
    i, n, line, start = 0, len(sql), 1, None
    while i < n:
        c = sql[i]
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            comments.append(sql[i:j])
            i = j
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            comments.append(sql[i:j])
            line += sql.count("\n", i, j)
            i = j
            continue
        if c == "'":
            j = i + 1
            while j < n:
                if sql[j] == "'" and j + 1 < n and sql[j + 1] == "'":
                    j += 2
                elif sql[j] == "'":
                    break
                else:
                    j += 1
            line += sql.count("\n", i, j)
            code.append("''")
            i = j + 1
            if start is None:
                start = line
            continue
        m = re.match(r"\$[A-Za-z_]*\$", sql[i:i + 64])
        if m:
            tag = m.group(0)
            j = sql.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            code.append(" " + sql[i + len(tag):max(i + len(tag), j - len(tag))] + " ")
            if start is None:
                start = line
            line += sql.count("\n", i, j)
            i = j
            continue
        if c == ";":
            if "".join(code).strip():
                out.append((start or line, "".join(code), comments))
            code, comments, start = [], [], None
            i += 1
            continue
        if c == "\n":
            line += 1
        elif start is None and not c.isspace():
            start = line
        code.append(c)
        i += 1
    if "".join(code).strip():
        out.append((start or line, "".join(code), comments))
    return out


OBJECT = re.compile(r"\b(?:DROP\s+(?:MATERIALIZED\s+VIEW|TABLE|VIEW|SCHEMA|FUNCTION|PROCEDURE|TYPE|SEQUENCE)"
                    r"(?:\s+IF\s+EXISTS)?|REVOKE\s.*?\bON\s+(?:ALL\s+\w+\s+IN\s+SCHEMA|TABLE|FUNCTION|"
                    r"SCHEMA|SEQUENCE|TYPE)?)\s+([\w.\"]+)", re.I)


def created_here(flat, created):
    """True when the statement drops or revokes on an object this same migration
    created earlier (the previous release cannot be using it)."""
    m = OBJECT.search(flat)
    return bool(m) and m.group(1).replace('"', "").lower() in created


def contract_findings(sql):
    """(line, message) for each contract step without a `-- contract:` marker."""
    found, created = [], set()
    for line, code, comments in statements(sql):
        flat = " ".join(code.split())
        m = re.match(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+)?(?:MATERIALIZED\s+)?"
                     r"(?:TABLE|VIEW|SCHEMA|FUNCTION|PROCEDURE|TYPE|SEQUENCE)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                     r"([\w.\"]+)", flat, re.I)
        if m:
            created.add(m.group(1).replace('"', "").lower())
        reasons = []
        for rule, why in CONTRACT_RULES:
            if rule.search(flat) and not (why.startswith(("drops an object", "revokes")) and
                                          created_here(flat, created)):
                reasons.append(why)
        for m in ADD_COLUMN.finditer(flat):
            if not re.search(r"\bDEFAULT\b", m.group(0), re.I):
                reasons.append("adds a NOT NULL column without a DEFAULT: the previous release's inserts fail")
        if not reasons:
            continue
        if any(CONTRACT_MARK.search(c) for c in comments):
            continue
        found.append((line, f"{'; '.join(dict.fromkeys(reasons))} — `{flat[:90]}`"))
    return found


def git(root, *args, check=True):
    r = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r


def migration_dirs(root):
    dirs = [("core", "migrations")]
    plugins = os.path.join(root, "plugins")
    for d in sorted(os.listdir(plugins)) if os.path.isdir(plugins) else []:
        if os.path.isdir(os.path.join(plugins, d, "migrations")):
            dirs.append((d, f"plugins/{d}/migrations"))
    return dirs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--base", help="commit to compare with (default: scripts/lib/previous-release)")
    a = ap.parse_args()
    root = os.path.realpath(a.root)
    base = a.base
    if not base:
        with open(os.path.join(root, "scripts/lib/previous-release")) as f:
            base = next(l.strip() for l in f if l.strip() and not l.startswith("#"))
    if git(root, "cat-file", "-e", f"{base}^{{commit}}", check=False).returncode != 0:
        print(f"migration lint: skipped: the previous release {base[:12]} is not in this clone's "
              "history (shallow clone? `git fetch --unshallow`)")
        return 77
    landed = set(git(root, "ls-tree", "-r", "--name-only", base).stdout.split("\n"))
    problems, checked, new = [], 0, 0
    for component, rel in migration_dirs(root):
        files = sorted(f for f in os.listdir(os.path.join(root, rel)) if f.endswith(".sql"))
        old_versions = [int(NAME.match(os.path.basename(p)).group(1)) for p in landed
                        if os.path.dirname(p) == rel and NAME.match(os.path.basename(p))]
        top = max(old_versions, default=0)
        for p in sorted(p for p in landed if os.path.dirname(p) == rel and p.endswith(".sql")):
            if os.path.basename(p) not in files:
                problems.append(f"{p}: a landed migration was removed (never remove or rename one)")
        for f in files:
            path = f"{rel}/{f}"
            with open(os.path.join(root, path), "rb") as fh:
                data = fh.read()
            checked += 1
            if path in landed:
                if git(root, "show", f"{base}:{path}").stdout.encode() != data:
                    problems.append(f"{path}: edited after it landed (its checksum is recorded in every "
                                    "database: `cabildo migrate` refuses it); add a new migration instead")
                continue
            new += 1
            m = NAME.match(f)
            if m and int(m.group(1)) <= top:
                problems.append(f"{path}: numbered {m.group(1)}, not after the last landed {component} "
                                f"migration ({top:04d})")
            for line, msg in contract_findings(data.decode("utf-8", "replace")):
                problems.append(f"{path}:{line}: {msg}; expand/contract: keep the previous release "
                                "working, or mark a contract step with `-- contract: <release that "
                                "stopped using it>`")
    for p in problems:
        print(p)
    print(f"migration lint: {checked} migrations, {new} new since {base[:12]}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
