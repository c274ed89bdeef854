#!/usr/bin/python3
"""Check the dump "crashdesk save" writes of a real kernel crash.

    check-dump.py --kind KIND [--variant VARIANT] --crashdesk PATH
                  --cache-dir DIR [--threads N] [--dump FILE [--compression NAME]]

Prints TAP. Saves the vmcore of KIND with a dump, makes makedumpfile's
"-d 31" dump of the same vmcore as the reference, and reads all three
through libkdumpfile (python3-libkdumpfile: run with /usr/bin/python3):
every page the dump stores is the vmcore's page, the dump keeps every page
makedumpfile keeps and, on 6.1, no other but the pages the vmcore covers
only in part (on 6.12, which Debian's makedumpfile does not know, not many
more, and it may leave out what makedumpfile keeps where the kernel's own
page flags show the page droppable), every page it leaves out was free, cache or user memory in the
crashed kernel's own page flags (the snapshot init.sh takes right before the
crash, pageflags.py) and every slab, page-table and reserved page is in it,
its header names the crashed kernel,
dump level 31 and zstd, and "crashdesk dmesg" reads the same log from it
as from the vmcore; pages the vmcore's segments cover only in part are
kept whole and counted in meta.json. --variant takes the vmcore of another
memory layout or loader (crashvm.VARIANTS). --dump FILE checks FILE (a dump of the same vmcore)
instead of running save, to try the checks on makedumpfile's output.
"""

import argparse
import functools
import json
import mmap
import stat
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import crashvm  # noqa: E402
import pageflags  # noqa: E402

try:
    import kdumpfile
except ImportError:
    kdumpfile = None

COMMAND_TIMEOUT = 600

# crashdesk filters from the same mem_map as makedumpfile and must drop the
# same pages, but it may keep a page where makedumpfile, knowing more kernel
# versions' quirks, drops it (a page whose flags it cannot read, the struct
# pages of a section it does not trust): a few hundred of ~20,000 pages.
# More than this means it misses a class of pages makedumpfile excludes.
# Only where makedumpfile is no exact reference: Debian 12's makedumpfile
# 1.7.2 knows kernels up to 6.1 ("The kernel version is not supported" on
# 6.12, where it keeps 94 pages fewer than its upstream): on the series it
# knows, the page set must be makedumpfile's exactly.
EXTRA_PAGES_TOLERANCE = 0.02
EXACT_SERIES = ("6.1",)

# The page-flag oracle (pageflags.py) compares the dump with the snapshot the
# guest took right before the crash; pages that changed in between disagree
# through no fault of the dump.  Between the snapshot and the crash the guest
# ends one dd and runs one short command (insmod, sysrq's echo); between the
# two snapshots taken back to back one dd ends, one runs whole and one
# starts, which the test measures on every run and holds to the tolerance
# too.  Freed pages go to the per-CPU free lists, where they read flags 0
# (neither free nor cache: "other kernel"), and the next process takes its
# pages from there: a page of flags 0 in the snapshot, user memory at the
# crash.  Measured on the suite's tests in two runs (tests/vm/README.md): 3
# to 6 pages between the snapshots, 1 to 4 dropped against the last one (all
# of flags 0), no kernel page missing; the tolerance is five times the most.
# A filter that misreads a kind of page gets it wrong hundreds or thousands
# of times (2,298 slab pages when it drops slab).
ORACLE_TOLERANCE = 32
# A kind whose crash command is a whole program takes that many more pages of
# flags 0 from the per-CPU lists, forgiven up to this many (and to how many
# pages the guest counted on those lists just before the last snapshot,
# CRASHDESK-PERCPU-PAGES): sysrq crashes through the guest tool's test-crash,
# a program linked with GLib (102 pages measured).
CRASH_COMMAND_PAGES = {"sysrq": 256}

DUMP_LEVEL = 31
# disk_dump_header.status and page_desc.flags (makedumpfile's diskdump_mod.h)
COMPRESSION_FLAGS = {"zlib": 0x01, "lzo": 0x02, "snappy": 0x04, "zstd": 0x20,
                     "none": 0}
COMPRESSED_ANY = 0x01 | 0x02 | 0x04 | 0x20
DUMP_INCOMPLETE = 0x08
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# how many pfns a failure lists
SHOW_PFNS = 10
# bit positions set in each byte value: bitmaps are least significant first
BITS = [tuple(b for b in range(8) if value >> b & 1) for value in range(256)]


def run(argv):
    proc = subprocess.run([str(a) for a in argv], capture_output=True,
                          timeout=COMMAND_TIMEOUT)
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


class KdumpHeader:
    """disk_dump_header and kdump_sub_header of a 64-bit little-endian
    kdump-compressed file, and its page descriptors, read here with struct
    so that the checks do not rest on one reader alone."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        (self.signature, self.version) = struct.unpack_from("<8si", self.map, 0)
        utsname = [self.map[12 + 65 * i:12 + 65 * (i + 1)].split(b"\0")[0]
                   for i in range(6)]
        self.release = utsname[2].decode(errors="replace")
        (self.status, self.block_size, self.sub_hdr_size, self.bitmap_blocks,
         self.max_mapnr) = struct.unpack_from("<IiiII", self.map, 424)
        (self.dump_level,) = struct.unpack_from("<i", self.map,
                                                self.block_size + 8)

    def descriptors(self, count):
        """The first count page descriptors: (offset, size, flags)."""
        start = (1 + self.sub_hdr_size + self.bitmap_blocks) * self.block_size
        return [(offset, size, flags) for offset, size, flags, _ in
                struct.iter_unpack("<QIIQ",
                                   self.map[start:start + 24 * count])]


def open_dump(path):
    dump = kdumpfile.kdumpfile(str(path))
    dump.attr["addrxlat.ostype"] = "linux"
    return dump


def stored_pfns(dump):
    """The pfns a dump holds data for, in order: the file.pagemap bitmap,
    fetched whole (a few KiB) rather than probed page by page."""
    bits = dump.attr["file.pagemap"].get_bits(0, dump.attr["max_pfn"] - 1)
    return [i * 8 + b for i, value in enumerate(bits) if value
            for b in BITS[value]]


def vmcoreinfo(dump):
    return bytes(memoryview(dump.attr["linux.vmcoreinfo.raw"])).rstrip(b"\0")


def vmcoreinfo_value(raw, key):
    for line in raw.decode(errors="replace").splitlines():
        if line.startswith(key + "="):
            return line[len(key) + 1:]
    return None


def compare_pages(dump, vmcore, pfns):
    """(pages compared, first failure or None)."""
    page_size = dump.attr["arch.page_size"]
    space = kdumpfile.KDUMP_MACHPHYSADDR
    for count, pfn in enumerate(pfns):
        addr = pfn * page_size
        try:
            mine = dump.read(space, addr, page_size)
        except kdumpfile.exceptions.KDumpBaseException as e:
            return count, f"pfn {pfn:#x}: the dump's page cannot be read: {e}"
        try:
            theirs = vmcore.read(space, addr, page_size)
        except kdumpfile.exceptions.NoDataException:
            return count, f"pfn {pfn:#x} is in the dump but not in the vmcore"
        if mine != theirs:
            at = next(i for i in range(page_size) if mine[i] != theirs[i])
            return count, (f"pfn {pfn:#x} differs from the vmcore's page "
                           f"first at byte {at:#x}")
    return len(pfns), None


def zero_pages(vmcore, pfns):
    """How many of pfns are all zero in the vmcore."""
    page_size = vmcore.attr["arch.page_size"]
    zero = bytes(page_size)
    return sum(vmcore.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * page_size,
                           page_size) == zero for pfn in pfns)


def compression_errors(header, count, want):
    """Whether the header and every page descriptor say the compression
    want, each compressed page one frame that is smaller than a page and
    every other page stored raw."""
    flag = COMPRESSION_FLAGS[want]
    errors = []
    if want != "none" and not header.status & flag:
        errors.append(f"header status {header.status:#x} lacks {want} "
                      f"({flag:#x})")
    kinds = {}
    for offset, size, flags in header.descriptors(count):
        kind = flags & COMPRESSED_ANY
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == 0 and size != header.block_size:
            errors.append(f"a raw page at {offset:#x} is {size} bytes")
        elif kind and (kind != flag or size >= header.block_size):
            errors.append(f"a page at {offset:#x} has flags {flags:#x}, "
                          f"{size} bytes")
        elif kind == COMPRESSION_FLAGS["zstd"] and \
                header.map[offset:offset + 4] != ZSTD_MAGIC:
            errors.append(f"the zstd page at {offset:#x} is not a zstd frame")
    if want != "none" and not kinds.get(flag):
        errors.append(f"no page is {want}-compressed")
    if errors:
        errors = errors[:SHOW_PFNS] + ["descriptors by compression flags: " +
                                       ", ".join(f"{k:#x}: {n}" for k, n in
                                                 sorted(kinds.items()))]
    return errors


def save_dump(args, vmcore, root, tap):
    """Runs save with a dump; returns the report directory or None."""
    argv = [args.crashdesk, "save", "--input", vmcore, "--dir", root,
            # the free-space reserve is the system tests' business: here the
            # dump must be written whatever the build machine has free
            "--keep-free", "0"]
    if args.threads is not None:
        argv += ["--threads", args.threads]
    rc, out, err = run(argv)
    path = out.decode().strip()
    report = Path(path) if rc == 0 and path else None
    dump = report / "dump.kdump" if report else None
    mode = stat.S_IMODE(dump.stat().st_mode) if dump and dump.exists() else None
    tap.result(mode == 0o600,
               "crashdesk save exits 0 and its report holds dump.kdump, 0600",
               [f"exit {rc}, dump.kdump mode "
                f"{'missing' if mode is None else oct(mode)}",
                *err.splitlines()])
    return report if mode is not None else None


def partial_pfns(path, page_size):
    """The pfns of pages the vmcore's PT_LOADs cover only in part, from the
    program headers alone: a page holding a bound of the segments' union."""
    return {bound // page_size
            for start, end in pageflags.vmcore_ram_ranges(path)
            for bound in (start, end - 1)
            if bound == start and start % page_size or
            bound == end - 1 and end % page_size}


def check_meta(report, pages, partial, tap):
    meta = json.loads((report / "meta.json").read_text())
    dump = meta.get("dump") or {}
    size = (report / "dump.kdump").stat().st_size
    want = {"file": "dump.kdump", "format": "kdump-zstd",
            "dump_level": DUMP_LEVEL, "pages_written": pages,
            "partial_pages": partial, "bytes": size,
            "complete": True, "omitted_reason": None}
    wrong = [f"{key}: {dump.get(key)!r}, want {value!r}"
             for key, value in want.items() if dump.get(key) != value]
    if dump.get("incomplete_reason"):
        wrong.append(f"incomplete: {dump['incomplete_reason']}")
    if not isinstance(dump.get("pages_total"), int) or \
            dump["pages_total"] < pages:
        wrong.append(f"pages_total: {dump.get('pages_total')!r}, want at "
                     f"least the {pages} written")
    tap.result(not wrong, "meta.json \"dump\" describes the dump", wrong)


def describe_pfns(snapshot, pfns):
    return [snapshot.describe(pfn) for pfn in pfns[:SHOW_PFNS]]


@functools.lru_cache(maxsize=None)
def read_snapshot(out, suffix=""):
    """The page-flag snapshot in out, read and classified once per run: check
    12 on 6.12 and the oracle's checks both ask for the last one."""
    return pageflags.Snapshot(out, suffix)


def droppable_in_snapshot(out, pfns):
    """(droppable, others): pfns split by what the page-flag snapshot in
    out shows them as; without a readable snapshot none is droppable (the
    oracle's own checks then fail and say why)."""
    try:
        categories = read_snapshot(out).categories
    except (pageflags.SnapshotError, OSError):
        return [], pfns
    droppable, others = [], []
    for pfn in pfns:
        (droppable if pfn < len(categories) and
         categories[pfn] in pageflags.DROPPABLE else others).append(pfn)
    return droppable, others


def check_page_flags(kind, out, vmcore_path, page_size, present, tap):
    """The three checks of the page-flag oracle: the churn between the two
    snapshots, the pages the dump leaves out, the kernel's pages it keeps."""
    names = ("the two snapshots of the page flags differ in at most "
             f"{ORACLE_TOLERANCE} pages a dump must keep, then may drop",
             "every page the dump leaves out was free, cache, user, hugetlb "
             "or offline in the crashed kernel's page flags (at most "
             f"{ORACLE_TOLERANCE} not" +
             (f", besides {CRASH_COMMAND_PAGES[kind]} of flags 0 the crash "
              "command may take" if kind in CRASH_COMMAND_PAGES else "") + ")",
             "every slab, page-table and reserved page of the crashed "
             f"kernel is in the dump (at most {ORACLE_TOLERANCE} not)")
    try:
        last = read_snapshot(out)
        first = read_snapshot(out, ".first")
        ranges = pageflags.vmcore_pfn_ranges(vmcore_path, page_size)
        console = (out / "console.log").read_text(errors="replace")
        percpu = crashvm.last_marker(console, "PERCPU-PAGES")
        if percpu is None or not percpu.strip().isdigit():
            raise pageflags.SnapshotError(
                f"{out / 'console.log'}: no CRASHDESK-PERCPU-PAGES line")
        percpu = int(percpu)
    except (pageflags.SnapshotError, OSError) as e:
        for name in names:
            tap.result(False, name, [f"no page-flag snapshot: {e}"])
        return
    size = max([len(last.flags)] + [end for _, end in ranges])
    compared = pageflags.Comparison(last, ranges,
                                    pageflags.Bitmap(present, size))
    moved, changed = pageflags.churn(first, last, ranges)
    wrong = compared.wrongly_dropped
    unflagged = compared.unflagged(last.flags)
    # pages of flags 0 may have been free on a per-CPU list, and a crash
    # command that is a whole program takes some
    forgiven = min(unflagged, percpu, CRASH_COMMAND_PAGES.get(kind, 0))
    missing = compared.missing_kernel
    # the figures, for the record (tests/README.md)
    print(f"# page flags: {compared.kept} kept, "
          f"{sum(compared.dropped.values()) + compared.past_snapshot} "
          f"dropped ({compared.dropped_summary()}); {len(wrong)} dropped "
          f"against the flags, {unflagged} of them of flags 0, with {percpu} "
          "pages on the per-CPU free lists")
    print(f"# page flags: kernel pages: {compared.kernel_summary()}")
    print(f"# page flags: between the snapshots {changed} pages changed "
          f"flags, {len(moved)} from must-keep to may-drop; tolerance "
          f"{ORACLE_TOLERANCE}")
    tap.result(len(moved) <= ORACLE_TOLERANCE, names[0],
               [f"{len(moved)} pages, first (before -> after):"] +
               [f"{first.describe(pfn)} -> {last.describe(pfn)}"
                for pfn in moved[:SHOW_PFNS]])
    tap.result(len(wrong) - forgiven <= ORACLE_TOLERANCE, names[1],
               [f"{len(wrong)} pages dropped against the flags, {forgiven} "
                "of flags 0 forgiven for the crash command, first:"] +
               describe_pfns(last, wrong))
    tap.result(len(missing) <= ORACLE_TOLERANCE, names[2],
               [f"{len(missing)} missing ({compared.kernel_summary()}), "
                "first:"] + describe_pfns(last, missing))


def loads_with_kexec_tools(variant):
    """Whether the variant's capture kernel is loaded by kexec-tools' own
    loader (kexec_load), whose ELF headers describe RAM as /proc/iomem has it."""
    return crashvm.VARIANTS.get(variant, {}).get("loader") == "kexec"


def check_kind(args, tap):
    # an output directory of its own: check-dmesg.py publishes to out/KIND,
    # and a run with --threads may run beside one without
    out = args.cache_dir / "out-dump" / (
        crashvm.entry_name(args.kind, args.variant, args.series) +
        (f"-threads{args.threads}" if args.threads else ""))
    crashvm.obtain(args.cache_dir, args.kind, out, args.crashdesk,
                   args.variant, args.series)
    vmcore_path = out / "vmcore"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.dump is None:
            report = save_dump(args, vmcore_path, tmp / "crash" / "kernel",
                               tap)
            if report is None:
                return
            dump_path = report / "dump.kdump"
        else:
            report = None
            dump_path = args.dump
            tap.result(True, "crashdesk save writes dump.kdump "
                       f"# SKIP checking {dump_path}")

        reference = tmp / "makedumpfile.kdump"
        rc, _, err = run(["makedumpfile", "-d", DUMP_LEVEL, vmcore_path,
                          reference])
        tap.result(rc == 0, f"makedumpfile -d {DUMP_LEVEL} makes the "
                   "reference dump", [f"exit {rc}", *err.splitlines()[-5:]])
        if rc != 0:
            return

        try:
            dump = open_dump(dump_path)
            fmt = (dump.attr["file.format"], dump.attr["file.description"])
        except kdumpfile.exceptions.KDumpBaseException as e:
            fmt = (None, str(e))
        tap.result(fmt == ("diskdump", "Compressed KDUMP"),
                   "libkdumpfile opens the dump as a compressed kdump",
                   [f"format {fmt[0]!r}: {fmt[1]}"])
        if fmt != ("diskdump", "Compressed KDUMP"):
            return
        vmcore = open_dump(vmcore_path)
        pfns = stored_pfns(dump)
        header = KdumpHeader(dump_path)
        partial = partial_pfns(vmcore_path, header.block_size)
        partial_kept = len(partial & set(pfns))

        if report is None:
            tap.result(True, "meta.json \"dump\" describes the dump "
                       "# SKIP no report: checking --dump")
        else:
            check_meta(report, len(pfns), partial_kept, tap)
        # kexec-tools describes RAM as /proc/iomem has it: the variant that
        # loads with it must meet pages covered in part, or it tests nothing
        # (the kernel's own headers may have none, so only those vmcores are
        # asked; the plan has one check fewer for the others)
        if loads_with_kexec_tools(args.variant):
            tap.result(partial_kept > 0,
                       "the dump keeps the pages the vmcore covers only in part",
                       [f"{len(partial)} such pages in the vmcore "
                        f"({', '.join(f'{p:#x}' for p in sorted(partial)[:5])}),"
                        f" {partial_kept} in the dump"])

        tap.result(header.signature == b"KDUMP   " and header.version == 6,
                   "the header is a kdump-compressed one, version 6",
                   [f"signature {header.signature!r}, version "
                    f"{header.version}"])
        release = vmcoreinfo_value(vmcoreinfo(vmcore), "OSRELEASE")
        tap.result(release is not None and header.release == release,
                   "the header's utsname release is the vmcore's OSRELEASE",
                   [f"header {header.release!r}, VMCOREINFO {release!r}"])
        tap.result(header.dump_level == DUMP_LEVEL,
                   f"the sub header's dump level is {DUMP_LEVEL}",
                   [f"dump level {header.dump_level}"])
        errors = compression_errors(header, len(pfns), args.compression)
        tap.result(not errors, f"pages are {args.compression} frames or raw, "
                   "and the header says so", errors)
        tap.result(not header.status & DUMP_INCOMPLETE,
                   "the dump is not flagged incomplete",
                   [f"header status {header.status:#x}"])
        tap.result(vmcoreinfo(dump) == vmcoreinfo(vmcore),
                   "the dump's VMCOREINFO is the vmcore's",
                   [f"{len(vmcoreinfo(dump))} bytes, the vmcore's "
                    f"{len(vmcoreinfo(vmcore))}"])

        compared, failure = compare_pages(dump, vmcore, pfns)
        tap.result(failure is None and compared > 0,
                   f"each of the dump's {len(pfns)} pages is the vmcore's",
                   [f"{compared} pages equal before", failure or "no page"])

        kept = stored_pfns(open_dump(reference))
        # the figures, for the record (tests/README.md)
        print(f"# pages: crashdesk {len(pfns)}, makedumpfile -d "
              f"{DUMP_LEVEL} {len(kept)}; covered in part: "
              f"{len(partial)} in the vmcore, {partial_kept} kept")
        present = set(pfns)
        missing = [pfn for pfn in kept if pfn not in present]
        excused = []
        if args.series not in EXACT_SERIES:
            # makedumpfile past the kernels it knows keeps pages the kernel's
            # own flags show as droppable (Debian's 1.7.2 on 6.12 keeps the
            # tails of anonymous THPs: 261,632 pages of the 6.12 filled
            # vmcore): the oracle decides those, not it
            excused, missing = droppable_in_snapshot(out, missing)
            if excused:
                print(f"# pages makedumpfile keeps and the dump leaves out: "
                      f"{len(excused)}, each droppable in the crashed "
                      "kernel's page flags")
        zero = zero_pages(vmcore, missing)
        tap.result(not missing, f"the dump holds each of the {len(kept)} "
                   "pages makedumpfile keeps" +
                   ("" if args.series in EXACT_SERIES else
                    ", but those the kernel's page flags show droppable"),
                   [f"{len(missing)} missing, first: " +
                    " ".join(f"{pfn:#x}" for pfn in missing[:SHOW_PFNS])] +
                   ([f"{zero} of them are zero pages: makedumpfile keeps "
                     "those in its bitmap, every one pointing at one shared "
                     "zero page, so that a reader (crash) reads zeros there, "
                     "not \"page excluded\""] if zero else []))
        if args.series in EXACT_SERIES:
            extra = sorted(present - set(kept) - partial)
            tap.result(not extra, "the dump holds no page makedumpfile "
                       "leaves out but those the vmcore covers only in part",
                       [f"{len(extra)} more, first: " +
                        " ".join(f"{pfn:#x}" for pfn in extra[:SHOW_PFNS])])
        else:
            limit = int(len(kept) * (1 + EXTRA_PAGES_TOLERANCE))
            tap.result(len(pfns) <= limit,
                       f"the dump holds at most {EXTRA_PAGES_TOLERANCE:.0%} "
                       "more pages than makedumpfile's",
                       [f"{len(pfns)} pages, makedumpfile {len(kept)}: "
                        f"{len(pfns) - len(kept)} more, at most "
                        f"{limit - len(kept)} allowed"])

        check_page_flags(args.kind, out, vmcore_path, header.block_size,
                         present, tap)

        rc_vmcore, log, _ = run([args.crashdesk, "dmesg", vmcore_path])
        rc, text, err = run([args.crashdesk, "dmesg", dump_path])
        if rc != 0:
            why = [f"crashdesk dmesg cannot read the dump (exit {rc}):",
                   *err.splitlines()]
        else:
            why = [f"{len(text)} bytes from the dump, {len(log)} from the "
                   f"vmcore (exit {rc_vmcore})"]
        tap.result(rc == 0 and rc_vmcore == 0 and text == log,
                   "crashdesk dmesg prints the same log from the dump as "
                   "from the vmcore", why)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", required=True, choices=crashvm.kinds())
    parser.add_argument("--crashdesk", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--variant", choices=sorted(crashvm.VARIANTS),
                        help="the vmcore of this variant of the kind")
    parser.add_argument("--series", choices=sorted(crashvm.SERIES),
                        default=crashvm.DEFAULT_SERIES,
                        help="the kernel series crashed (crashvm.py)")
    parser.add_argument("--threads", type=int,
                        help="passed to crashdesk save")
    parser.add_argument("--dump", type=Path,
                        help="check this dump of the kind's vmcore instead "
                        "of running crashdesk save")
    parser.add_argument("--compression", choices=sorted(COMPRESSION_FLAGS),
                        default="zstd",
                        help="the compression the dump must use (default "
                        "zstd; for --dump made by makedumpfile -c: zlib)")
    args = parser.parse_args()
    args.crashdesk = args.crashdesk.absolute()
    if args.dump is not None:
        if not args.dump.is_file():
            parser.error(f"--dump {args.dump}: no such file")
        args.dump = args.dump.absolute()
    if kdumpfile is None:
        print("Bail out! python3-libkdumpfile is not installed, or this is "
              "not /usr/bin/python3 (tools/install-deps)")
        return 1
    return crashvm.tap_main(18 if loads_with_kexec_tools(args.variant) else 17,
                            check_kind, args)


if __name__ == "__main__":
    sys.exit(main())
