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
so without running it (a tool that does not build). With --kdump-pages the table also
gives the pages each dump holds, counted in its kdump-compressed header (the bits set in
the second bitmap, the pages the dump level kept), the same way for every tool. --ratio
METRIC:A/B (METRIC: time, dump, rss, pages) prints the ratio of two tools' medians under
the table.
"""
import argparse
import hashlib
import mmap
import os
import re
import shlex
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

METRICS = ('time', 'dump', 'rss', 'pages')

# disk_dump_header (makedumpfile's diskdump_mod.h): a 64-bit kdump-compressed file
KDUMP_SIGNATURE = b'KDUMP   '
KDUMP_STATUS_OFFSET = 424  # after signature, header_version, utsname, timestamp
KDUMP_MAX_BLOCK_SIZE = 1 << 16
# a bitmap of 2^40 pfns (4 PiB of 4 KiB pages) is more than any dump here holds
KDUMP_MAX_BITMAP_BYTES = 2 * (1 << 40) // 8


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


def kdump_pages(path):
    """The pages a kdump-compressed file holds: the bits set in its second
    bitmap (the first one marks the pfns that exist, the second those
    dumped)."""
    with open(path, 'rb') as f:
        size = os.fstat(f.fileno()).st_size
        if size < KDUMP_STATUS_OFFSET + 20:
            raise ValueError(f'{path}: {size} bytes, too short for a kdump header')
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            if m[:8] != KDUMP_SIGNATURE:
                raise ValueError(f'{path}: not a kdump-compressed file (signature '
                                 f'{bytes(m[:8])!r})')
            _, block_size, sub_hdr_size, bitmap_blocks, _ = struct.unpack_from(
                '<IiiII', m, KDUMP_STATUS_OFFSET)
            if not 0 < block_size <= KDUMP_MAX_BLOCK_SIZE or sub_hdr_size < 0:
                raise ValueError(f'{path}: block size {block_size}, sub-header '
                                 f'{sub_hdr_size} blocks: not a kdump header')
            start = (1 + sub_hdr_size) * block_size
            length = bitmap_blocks * block_size
            if length % 2 or length > KDUMP_MAX_BITMAP_BYTES or start + length > size:
                raise ValueError(f'{path}: a bitmap of {bitmap_blocks} blocks at '
                                 f'{start} does not fit in its {size} bytes')
            second = m[start + length // 2:start + length]
    return int.from_bytes(second, 'little').bit_count()


def dump_paths(path, dump_name):
    """The dump files at path: the file itself, or those named dump_name in a tree."""
    if os.path.isfile(path):
        return [path]
    return [os.path.join(dirpath, name) for dirpath, _, filenames in os.walk(path)
            for name in filenames if name == dump_name]


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
        if args.kdump_pages and written and rc == 0:
            r['pages'].append(sum(kdump_pages(p)
                                  for p in dump_paths(r['output'], args.dump_name)))
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
    key = {'time': 'times', 'dump': 'dumps', 'rss': 'rss', 'pages': 'pages'}[metric]
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
    ap.add_argument('--kdump-pages', action='store_true',
                    help='with --output-dir: count the pages each kdump dump holds')
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
    elif args.kdump_pages or args.sync or args.dump_name:
        ap.error('--kdump-pages, --sync and --dump-name need --output-dir')

    if args.output_dir is None:
        header = ['input', 'size MiB', 'tool', 'median ms', 'peak RSS MiB', 'exit', 'output',
                  'same output', 'time / first']
    else:
        header = ['input', 'size MiB', 'tool', 'median s', 'min s', 'max s', 'CPU s',
                  'dump MiB', 'output MiB', 'peak RSS MiB', 'exit']
        if args.kdump_pages:
            header.append('pages')
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
            r = {'times': [], 'cpu': [], 'rss': [], 'dumps': [], 'pages': [], 'argv': argv,
                 'output': output}
            run_tool(r, args)  # warm-up: page cache
            failed = r['rc'] != 0 or (args.output_dir is not None and args.dump_name
                                      and r['found'] == 0)
            if name in args.optional and failed:
                why = (last_line(r['errors']) if r['rc'] != 0
                       else f'wrote no {args.dump_name}')
                unavailable[name] = f'exit {r["rc"]}: {why}'
                continue
            results[name] = {'times': [], 'cpu': [], 'rss': [], 'dumps': [], 'pages': [],
                             'argv': argv, 'output': output}
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
                if args.kdump_pages:
                    # a varying count would mean a tool that filters differently run to
                    # run: shown as its range rather than hidden in a median
                    pages = sorted(set(r['pages']))
                    rows[-1].append('-'.join(f'{p:,}' for p in (pages[0], pages[-1]))
                                    if len(pages) > 1 else f'{pages[0]:,}' if pages else '-')
        for metric, a, b in ratios:
            if a in results and b in results and (metric != 'pages' or
                                                  (results[a]['pages'] and results[b]['pages'])):
                # pages differ by fractions of a percent: four decimals show them
                digits = 4 if metric == 'pages' else 2
                value = f'{median(results[a], metric) / median(results[b], metric):.{digits}f}'
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
