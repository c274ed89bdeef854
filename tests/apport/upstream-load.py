#!/usr/bin/python3
"""Read .crash files with apport's own loader, printing what tests/apport-parse.py does.

    PYTHONPATH=APPORT_TREE upstream-load.py FILE...

One line of JSON per file, or "FILE: error" on stderr and exit 1. apport is not
packaged for Debian 12, so this is no part of the test suite: it checks crashdesk
and apport-parse.py against apport where apport can be had (python3-apport on
Ubuntu, or apport's sources, which need only the Python 3 standard library).
"""

import base64
import json
import sys

import problem_report


def as_json(report):
    out = []
    for key, value in report.data.items():
        if isinstance(value, str):
            value = value.encode("utf-8")
        try:
            if b"\0" in value:
                raise UnicodeDecodeError("utf-8", value, 0, 1, "NUL")
            out.append({"key": key, "text": value.decode("utf-8")})
        except UnicodeDecodeError:
            out.append({"key": key, "base64": base64.b64encode(value).decode("ascii")})
    return json.dumps(out)


def main():
    status = 0
    for path in sys.argv[1:]:
        report = problem_report.ProblemReport()
        try:
            with open(path, "rb") as f:
                report.load(f)
        except Exception as error:  # pylint: disable=broad-except
            print(f"{path}: {type(error).__name__}: {error}", file=sys.stderr)
            status = 1
            continue
        print(as_json(report))
    return status


if __name__ == "__main__":
    sys.exit(main())
