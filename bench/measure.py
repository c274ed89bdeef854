#!/usr/bin/env python3
"""Times commands on the same inputs, interleaved, and prints a table.

measure.py --runs 7 --tool NAME='CMD {input}' --tool PEER='CMD {input}' INPUT...

For each input and tool: the median wall time of the runs (after one warm-up run, so
both read from the page cache), the median peak RSS (GNU time's %M), the output
size, and whether the output equals the first tool's; the ratio column compares the
time of each other tool with the first's (above 1: the first tool is faster).
"""
import argparse
import hashlib
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(argv):
    # the peak RSS comes from GNU time: a child forked from Python would carry
    # Python's own high-water mark across exec
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile('r') as rss:
        start = time.perf_counter()
        rc = subprocess.call(['/usr/bin/time', '-f', '%M', '-o', rss.name] + argv,
                             stdout=out, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        peak = int(rss.read().split()[-1]) * 1024
        out.seek(0)
        data = out.read()
    return elapsed, peak, rc, data


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runs', type=int, default=7)
    ap.add_argument('--tool', action='append', required=True,
                    help="NAME='command line with {input}'")
    ap.add_argument('inputs', nargs='+')
    args = ap.parse_args()

    tools = []
    for spec in args.tool:
        name, _, template = spec.partition('=')
        tools.append((name, template))

    header = ['input', 'size MiB', 'tool', 'median ms', 'peak RSS MiB', 'exit', 'output',
              'same output', 'time / first']
    rows = []
    for path in args.inputs:
        size = os.path.getsize(path) / 2**20
        results = {}
        for name, template in tools:
            argv = [a.replace('{input}', path) for a in shlex.split(template)]
            run_once(argv)  # warm-up: page cache
            results[name] = {'times': [], 'rss': [], 'argv': argv}
        for _ in range(args.runs):
            for name, _ in tools:
                r = results[name]
                t, rss, rc, data = run_once(r['argv'])
                r['times'].append(t)
                r['rss'].append(rss)
                r['rc'] = rc
                r['digest'] = hashlib.sha256(data).hexdigest()
                r['bytes'] = len(data)
        first = tools[0][0]
        for name, _ in tools:
            r = results[name]
            med = statistics.median(r['times'])
            ratio = statistics.median(results[name]['times']) / statistics.median(
                results[first]['times'])
            rows.append([os.path.basename(os.path.dirname(path)) + '/' + os.path.basename(path),
                         f'{size:.0f}', name, f'{med * 1000:.2f}',
                         f'{statistics.median(r["rss"]) / 2**20:.1f}', str(r['rc']),
                         f'{r["bytes"]}', 'yes' if r['digest'] == results[first]['digest']
                         else 'NO', '-' if name == first else f'{ratio:.2f}'])

    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print(' | '.join(h.ljust(w) for h, w in zip(header, widths)))
    print('-|-'.join('-' * w for w in widths))
    for row in rows:
        print(' | '.join(c.ljust(w) for c, w in zip(row, widths)))
    print(f'\n{args.runs} runs each, interleaved, after one warm-up; median values.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
