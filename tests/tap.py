"""TAP output for the Python tests: one line a check, comments only on failure."""

import sys


class Tap:
    def __init__(self, total):
        self.number = 0
        self.failed = 0
        print(f"1..{total}", flush=True)

    def result(self, ok, description, comments=()):
        self.number += 1
        self.failed += not ok
        print(f"{'ok' if ok else 'not ok'} {self.number} - {description}")
        # comments explain failures; a passing check needs none
        if not ok:
            for comment in comments:
                for line in str(comment).splitlines():
                    print(f"# {line}")
        sys.stdout.flush()
