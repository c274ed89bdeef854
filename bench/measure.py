#!/usr/bin/env python3
"""Times commands on the same inputs, interleaved, and prints a table.

measure.py --runs 7 --tool NAME='CMD {input}' --tool PEER='CMD {input}' INPUT...

For each input and tool: the median wall time of the runs (after one warm-up run, so
both read from the page cache), the median peak RSS (GNU time's %M), the output
size, and whether the output equals the first tool's; the ratio column compares the
time of each other tool with the first's (above 1: the first tool is faster).

With --output-dir DIR the tools write files instead of standard output: {output} in a
command becomes a path under DIR that does not exist yet, fresh for every run and deleted
after it (so that the disk does not fill). The table then gives the bytes written there
(a file, or every file of a tree), with --dump-name NAME those of the files named NAME in
it (a file written at {output} is itself the dump), and the median CPU time (user and
system, GNU time's %U and %S). With --sync the time of a run includes an fsync() of every
file and directory it wrote, for tools that leave that to their caller. A tool named with
--optional whose warm-up run fails, or writes no dump, is shown as unavailable with the
last line of its error output instead of being timed; --unavailable NAME=REASON shows one
so without running it (a tool that does not build). --ratio METRIC:A/B (METRIC: time,
dump, rss) prints the ratio of two tools' medians under the table.
"""
import argparse
import hashlib
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

METRICS = ('time', 'dump', 'rss')


def run_once(argv):
    # the peak RSS comes from GNU time: a child forked from Python would carry
    # Python's own high-water mark across exec
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile('r') as rss:
        start = time.perf_counter()
        rc = subprocess.call(['/usr/bin/time', '-f', '%U %S %M', '-o', rss.name] + argv,
                             stdout=out, stderr=err)
        elapsed = time.perf_counter() - start
        user, system, peak = rss.read().split()[-3:]
        cpu = float(user) + float(system)
        peak = int(peak) * 1024
        out.seek(0)
        data = out.read()
        err.seek(0)
        errors = err.read().decode(errors='replace')
    return elapsed, cpu, peak, rc, data, errors


def tree_sizes(path, dump_name):
    """(bytes of every file at path, bytes of the dump files in it, dump files found)"""
    if os.path.isfile(path):
        size = os.path.getsize(path)
        return size, size, 1
    total = dump = found = 0
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            size = os.path.getsize(os.path.join(dirpath, name))
            total += size
            if name == dump_name:
                dump += size
                found += 1
    return total, dump, found


def sync_tree(path):
    """fsync() every file and directory at path"""
    paths = [path]
    if os.path.isdir(path):
        for dirpath, _, filenames in os.walk(path):
            paths += [dirpath] + [os.path.join(dirpath, name) for name in filenames]
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else 'no error message'


def run_tool(r, args):
    """One run of a tool; its results are appended to r."""
    argv = r['argv']
    if args.output_dir is None:
        t, cpu, rss, rc, data, errors = run_once(argv)
        r['digest'] = hashlib.sha256(data).hexdigest()
        r['bytes'] = len(data)
    else:
        remove(r['output'])
        t, cpu, rss, rc, _, errors = run_once(argv)
        written = os.path.lexists(r['output'])
        if written and args.sync:
            start = time.perf_counter()
            sync_tree(r['output'])
            t += time.perf_counter() - start
        total, dump, found = (tree_sizes(r['output'], args.dump_name)
                              if written else (0, 0, 0))
        remove(r['output'])
        r['bytes'] = total
        r['dumps'].append(dump)
        r['found'] = found
    r['times'].append(t)
    r['cpu'].append(cpu)
    r['rss'].append(rss)
    # a failed run shows, even when a later one succeeds
    r['rc'] = r.get('rc') or rc
    r['errors'] = errors


def median(r, metric):
    key = {'time': 'times', 'dump': 'dumps', 'rss': 'rss'}[metric]
    return statistics.median(r[key])


def print_table(header, rows):
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print(' | '.join(h.ljust(w) for h, w in zip(header, widths)))
    print('-|-'.join('-' * w for w in widths))
    for row in rows:
        print(' | '.join(c.ljust(w) for c, w in zip(row, widths)))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runs', type=int, default=7)
    ap.add_argument('--tool', action='append', required=True,
                    help="NAME='command line with {input}'")
    ap.add_argument('--output-dir', metavar='DIR',
                    help='the tools write to {output}, a fresh path under DIR')
    ap.add_argument('--dump-name', metavar='NAME', default='',
                    help='with --output-dir: the name of the dump file in a tree')
    ap.add_argument('--sync', action='store_true',
                    help='with --output-dir: time an fsync() of what each run wrote')
    ap.add_argument('--optional', action='append', default=[], metavar='NAME',
                    help='a tool that may be unavailable (its warm-up run fails)')
    ap.add_argument('--unavailable', action='append', default=[], metavar='NAME=REASON',
                    help='a tool not to run, shown as unavailable')
    ap.add_argument('--ratio', action='append', default=[], metavar='METRIC:A/B')
    ap.add_argument('inputs', nargs='+')
    args = ap.parse_args()

    tools = []
    for spec in args.tool:
        name, _, template = spec.partition('=')
        tools.append((name, template))
    names = [name for name, _ in tools]
    ratios = []
    for spec in args.ratio:
        m = re.fullmatch(r'(\w+):([^/]+)/([^/]+)', spec)
        if not m or m.group(1) not in METRICS or not {m.group(2), m.group(3)} <= set(names):
            ap.error(f'--ratio {spec}: want METRIC:A/B, METRIC one of {", ".join(METRICS)}, '
                     'A and B tool names')
        ratios.append(m.groups())
    if args.output_dir is not None:
        os.makedirs(args.output_dir, exist_ok=True)

    if args.output_dir is None:
        header = ['input', 'size MiB', 'tool', 'median ms', 'peak RSS MiB', 'exit', 'output',
                  'same output', 'time / first']
    else:
        header = ['input', 'size MiB', 'tool', 'median s', 'min s', 'max s', 'CPU s',
                  'dump MiB', 'output MiB', 'peak RSS MiB', 'exit']
    rows = []
    ratio_lines = []
    unavailable = dict(spec.partition('=')[::2] for spec in args.unavailable)
    for path in args.inputs:
        size = os.path.getsize(path) / 2**20
        label = os.path.basename(os.path.dirname(path)) + '/' + os.path.basename(path)
        results = {}
        for i, (name, template) in enumerate(tools):
            if name in unavailable:
                continue
            output = (os.path.join(args.output_dir, f'out-{i}')
                      if args.output_dir is not None else '')
            argv = [a.replace('{input}', path).replace('{output}', output)
                    for a in shlex.split(template)]
            r = {'times': [], 'cpu': [], 'rss': [], 'dumps': [], 'argv': argv,
                 'output': output}
            run_tool(r, args)  # warm-up: page cache
            failed = r['rc'] != 0 or (args.output_dir is not None and args.dump_name
                                      and r['found'] == 0)
            if name in args.optional and failed:
                why = (last_line(r['errors']) if r['rc'] != 0
                       else f'wrote no {args.dump_name}')
                unavailable[name] = f'exit {r["rc"]}: {why}'
                continue
            results[name] = {'times': [], 'cpu': [], 'rss': [], 'dumps': [], 'argv': argv,
                             'output': output}
        for _ in range(args.runs):
            for name in names:
                if name in results:
                    run_tool(results[name], args)
        first = names[0]
        for name in names:
            if name not in results:
                rows.append([label, f'{size:.0f}', name, 'unavailable'] +
                            [''] * (len(header) - 4))
                continue
            r = results[name]
            med = statistics.median(r['times'])
            if args.output_dir is None:
                ratio = (med / statistics.median(results[first]['times'])
                         if first in results else 0)
                same = first in results and r['digest'] == results[first]['digest']
                rows.append([label, f'{size:.0f}', name, f'{med * 1000:.2f}',
                             f'{statistics.median(r["rss"]) / 2**20:.1f}', str(r['rc']),
                             f'{r["bytes"]}', 'yes' if same else 'NO',
                             '-' if name == first else f'{ratio:.2f}'])
            else:
                rows.append([label, f'{size:.0f}', name, f'{med:.2f}', f'{min(r["times"]):.2f}',
                             f'{max(r["times"]):.2f}', f'{statistics.median(r["cpu"]):.2f}',
                             f'{median(r, "dump") / 2**20:.1f}',
                             f'{r["bytes"] / 2**20:.1f}',
                             f'{statistics.median(r["rss"]) / 2**20:.1f}', str(r['rc'])])
        for metric, a, b in ratios:
            if a in results and b in results:
                value = f'{median(results[a], metric) / median(results[b], metric):.2f}'
            else:
                value = 'unavailable'
            ratio_lines.append([label, metric, f'{a} / {b}', value])

    print_table(header, rows)
    if ratio_lines:
        print()
        print_table(['input', 'median of', 'ratio', 'value'], ratio_lines)
    print(f'\n{args.runs} runs each, interleaved, after one warm-up; median values.')
    for name, why in unavailable.items():
        print(f'{name}: unavailable ({why})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
