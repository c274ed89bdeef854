"""The crashed kernel's own page flags, as an oracle for a dump's page set.

Right before the crash the guest copies /proc/kpageflags and /proc/kpagecount
(init.sh's snapshot_page_flags) twice, back to back; crashvm.py hands them back
as kpageflags, kpagecount (the last pair) and kpageflags.first,
kpagecount.first.  No dump tool wrote them: the kernel itself says what each
page was (fs/proc/page.c, stable_page_flags()), so a dump filter that misreads
a kernel's memory map disagrees with them.

A dump at level 31 may leave out free pages, page cache and user pages (and
hugetlb and offline pages); it must keep the kernel's: slab, page tables,
reserved pages and whatever else is neither free nor cache nor user.  One
kind of free page cannot be told apart: a page on a per-CPU free list is not
PageBuddy and reads flags 0, as many kernel pages do; the guest counts them
(/proc/zoneinfo's pagesets) just before the last kpageflags copy.  Zero
pages need no exception: level 31 keeps their bit and points them at one
shared zero page (makedumpfile does; check-dump.py checks that crashdesk keeps
every page makedumpfile keeps), so a page left out is left out for what it is.
"""

import struct
from array import array
from pathlib import Path

# include/uapi/linux/kernel-page-flags.h, and include/linux/kernel-page-flags.h
# for the kernel-internal bits from 32 (6.12's; 34 was MAPPEDTODISK until 6.10)
KPF = {
    "LOCKED": 0, "ERROR": 1, "REFERENCED": 2, "UPTODATE": 3, "DIRTY": 4,
    "LRU": 5, "ACTIVE": 6, "SLAB": 7, "WRITEBACK": 8, "RECLAIM": 9,
    "BUDDY": 10, "MMAP": 11, "ANON": 12, "SWAPCACHE": 13, "SWAPBACKED": 14,
    "COMPOUND_HEAD": 15, "COMPOUND_TAIL": 16, "HUGE": 17, "UNEVICTABLE": 18,
    "HWPOISON": 19, "NOPAGE": 20, "KSM": 21, "THP": 22, "OFFLINE": 23,
    "ZERO_PAGE": 24, "IDLE": 25, "PGTABLE": 26,
    "RESERVED": 32, "MLOCKED": 33, "OWNER_2": 34, "PRIVATE": 35,
    "PRIVATE_2": 36, "OWNER_PRIVATE": 37, "ARCH": 38, "UNCACHED": 39,
    "SOFTDIRTY": 40, "ARCH_2": 41, "ARCH_3": 42,
}
NAMES = {bit: name for name, bit in KPF.items()}


def mask(*names):
    return sum(1 << KPF[name] for name in names)


# Every page of a free block reads BUDDY, not only its head: since Linux 4.?
# stable_page_flags() also sets it for a page of count 0 that
# is_free_buddy_page() finds inside a free block (the suite's 6.1 and 6.12
# kernels both do; a run of BUDDY pages longer than the largest block shows it)
FREE = mask("BUDDY")
# page cache and user memory: on an LRU list, mapped, anonymous, swap
USER = mask("LRU", "MMAP", "ANON", "SWAPCACHE", "SWAPBACKED", "UNEVICTABLE")
# the kernel's own pages, which a dump must keep
KERNEL = {"slab": mask("SLAB"), "page table": mask("PGTABLE"),
          "reserved": mask("RESERVED")}
HEAD = mask("COMPOUND_HEAD")
TAIL = mask("COMPOUND_TAIL")
NOPAGE = mask("NOPAGE")

# the categories, one byte per pfn
(OTHER, FREE_PAGE, USER_PAGE, HUGETLB, OFFLINE, SLAB, PGTABLE, RESERVED,
 HOLE) = range(9)
CATEGORY_NAMES = {
    OTHER: "other kernel", FREE_PAGE: "free", USER_PAGE: "cache or user",
    HUGETLB: "hugetlb", OFFLINE: "offline", SLAB: "slab",
    PGTABLE: "page table", RESERVED: "reserved", HOLE: "no page",
}
# what a dump at level 31 may leave out
DROPPABLE = frozenset((FREE_PAGE, USER_PAGE, HUGETLB, OFFLINE))
# what it must keep, and the checks count apart
MUST_KEEP = (SLAB, PGTABLE, RESERVED)

# a snapshot larger than this many pfns (64 TiB of 4 KiB pages) is not one
MAX_PFNS = 1 << 34


class SnapshotError(Exception):
    """A snapshot file is missing or malformed; the message names it."""


def read_u64s(path):
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise SnapshotError(f"{path}: cannot be read: {e}") from None
    if not data or len(data) % 8 or len(data) // 8 > MAX_PFNS:
        raise SnapshotError(f"{path}: {len(data)} bytes is no array of "
                            "64-bit values (8 bytes per pfn)")
    values = array("Q")
    values.frombytes(data)
    if struct.pack("=H", 1) != struct.pack("<H", 1):
        values.byteswap()
    return values


class Snapshot:
    """One snapshot: flags and counts, per pfn from 0."""

    def __init__(self, directory, suffix=""):
        directory = Path(directory)
        self.flags = read_u64s(directory / f"kpageflags{suffix}")
        self.counts = read_u64s(directory / f"kpagecount{suffix}")
        if len(self.flags) != len(self.counts):
            raise SnapshotError(
                f"{directory}: kpageflags{suffix} has {len(self.flags)} pfns, "
                f"kpagecount{suffix} {len(self.counts)}")
        self.categories = classify(self.flags)

    def describe(self, pfn):
        """pfn, flags as names, mapcount and category, for a failure."""
        if pfn >= len(self.flags):
            return f"{pfn:#x} (past the snapshot's {len(self.flags)} pfns)"
        flags = self.flags[pfn]
        names = "|".join(NAMES.get(b, str(b)) for b in range(64)
                         if flags >> b & 1) or "0"
        return (f"{pfn:#x} flags {flags:#x} {names} count "
                f"{self.counts[pfn]} ({CATEGORY_NAMES[self.categories[pfn]]})")


def classify(flags):
    """A category per pfn.  A compound page's tail pages count as their
    head: 6.1 gives a tail of a page-cache folio neither LRU nor the head's
    other flags (6.12 gives it the folio's), and a tail follows its head."""
    out = bytearray(len(flags))
    head = 0
    for pfn, value in enumerate(flags):
        if value & TAIL:
            value |= head
        elif value & HEAD:
            head = value & ~HEAD
        else:
            head = 0
        if value & NOPAGE:
            category = HOLE
        elif value & KERNEL["slab"]:
            category = SLAB
        elif value & KERNEL["page table"]:
            category = PGTABLE
        elif value & KERNEL["reserved"]:
            category = RESERVED
        elif value & FREE:
            category = FREE_PAGE
        elif value & mask("HUGE"):
            category = HUGETLB
        elif value & mask("OFFLINE"):
            category = OFFLINE
        elif value & USER:
            category = USER_PAGE
        else:
            category = OTHER
        out[pfn] = category
    return out


def vmcore_ram_ranges(path):
    """[start, end) byte ranges of physical memory the vmcore's PT_LOADs
    cover, merged, sorted."""
    with open(path, "rb") as f:
        ehdr = f.read(64)
        if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2:
            raise SnapshotError(f"{path}: not a 64-bit ELF file")
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
        if phentsize < 56 or phnum > 65535:
            raise SnapshotError(f"{path}: program headers of {phentsize} "
                                f"bytes, {phnum} of them")
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    if len(table) < phentsize * phnum:
        raise SnapshotError(f"{path}: the program headers are cut")
    ranges = sorted(
        (paddr, paddr + memsz)
        for ptype, _, _, _, paddr, _, memsz, _ in
        (struct.unpack_from("<IIQQQQQQ", table, i * phentsize)
         for i in range(phnum))
        if ptype == 1 and memsz > 0)
    merged = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [tuple(r) for r in merged]


def vmcore_pfn_ranges(path, page_size):
    """[first, end) pfn ranges the vmcore's PT_LOADs cover, whole or in
    part, merged."""
    merged = []
    for start, end in vmcore_ram_ranges(path):
        first, last = start // page_size, -(-end // page_size)
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [tuple(r) for r in merged]


class Comparison:
    """A dump's page set against a snapshot, over the pfns the vmcore has.

    dropped: pages the vmcore has and the dump does not, by category;
    wrongly_dropped: those of them that are not DROPPABLE (pfns);
    kernel: pages of the MUST_KEEP categories, by category, (kept, missing);
    missing_kernel: the must-keep pages the dump lacks (pfns)."""

    def __init__(self, snapshot, ranges, kept):
        categories = snapshot.categories
        known = len(categories)
        self.kept = 0
        self.dropped = {c: 0 for c in CATEGORY_NAMES}
        self.past_snapshot = 0
        self.wrongly_dropped = []
        self.kernel = {c: [0, 0] for c in MUST_KEEP}
        self.missing_kernel = []
        for start, end in ranges:
            for pfn in range(start, end):
                category = categories[pfn] if pfn < known else None
                if pfn in kept:
                    self.kept += 1
                    if category in self.kernel:
                        self.kernel[category][0] += 1
                    continue
                if category is None:
                    self.past_snapshot += 1
                    self.wrongly_dropped.append(pfn)
                    continue
                self.dropped[category] += 1
                if category not in DROPPABLE:
                    self.wrongly_dropped.append(pfn)
                if category in self.kernel:
                    self.kernel[category][1] += 1
                    self.missing_kernel.append(pfn)

    def unflagged(self, flags):
        """How many of the pages dropped against the flags read no flag at
        all: a page on a per-CPU free list reads so, as a kernel page does."""
        return sum(1 for pfn in self.wrongly_dropped
                   if pfn < len(flags) and flags[pfn] == 0)

    def dropped_summary(self):
        parts = [f"{CATEGORY_NAMES[c]} {n}" for c, n in self.dropped.items()
                 if n or c in DROPPABLE]
        if self.past_snapshot:
            parts.append(f"past the snapshot {self.past_snapshot}")
        return ", ".join(parts)

    def kernel_summary(self):
        return ", ".join(f"{CATEGORY_NAMES[c]} {kept} kept, {missing} missing"
                         for c, (kept, missing) in self.kernel.items())


def churn(first, last, ranges):
    """The pfns, among those the vmcore has, that the earlier snapshot shows
    as a page a dump must keep and the later one as a page it may drop:
    pages that changed that way in the time between two snapshots, which is
    what the checks must tolerate between the last snapshot and the crash.
    Also how many pfns changed their flags at all."""
    moved = []
    changed = 0
    end_known = min(len(first.categories), len(last.categories))
    for start, end in ranges:
        for pfn in range(start, min(end, end_known)):
            if first.flags[pfn] != last.flags[pfn]:
                changed += 1
                if (first.categories[pfn] not in DROPPABLE and
                        last.categories[pfn] in DROPPABLE):
                    moved.append(pfn)
    return moved, changed


class Bitmap:
    """A set of pfns as one byte per pfn, for `in` over a million pfns."""

    def __init__(self, pfns, size):
        self.bits = bytearray(size)
        for pfn in pfns:
            if pfn < size:
                self.bits[pfn] = 1

    def __contains__(self, pfn):
        return pfn < len(self.bits) and self.bits[pfn] == 1
