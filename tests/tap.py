"""TAP output for the Python tests: one line a check, comments only on failure."""

import sys


class Tap:
    """total: the plan, printed first; None: printed last, by done()."""

    def __init__(self, total=None):
        self.number = 0
        self.failed = 0
        self.planned = total is not None
        if self.planned:
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

    def done(self):
        """The plan if it was not given first; the exit status."""
        if not self.planned:
            print(f"1..{self.number}", flush=True)
        return 1 if self.failed else 0
