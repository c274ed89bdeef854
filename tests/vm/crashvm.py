#!/usr/bin/python3
"""Crash a real Debian kernel in QEMU and hand back the kdump vmcore.

    crashvm.py --cache-dir DIR --kind KIND [--variant VARIANT] [--series SERIES]
               [--guest-tool PATH] --out OUTDIR

The first kernel loads a capture kernel with kexec and crashes in the way
KIND names (see the crash_* recipes in init.sh); the capture kernel writes
/proc/vmcore raw to a virtio disk and, with --guest-tool, the output of
"TOOL dmesg /proc/vmcore" to a second one.  Right before the crash the first
kernel copies its /proc/kpageflags and /proc/kpagecount to a third disk,
twice back to back (init.sh's snapshot_page_flags).  OUTDIR receives vmcore,
console.log, recipe.json, the snapshot (kpageflags and kpagecount, the one
taken last, and kpageflags.first and kpagecount.first) and, with
--guest-tool, guest-dmesg.txt and guest-dmesg.rc.  The kind `filled` (a
3 GiB guest whose memory is filled like a busy server's, see filled.sh) is
for the benchmarks: it takes minutes and makes a vmcore of about 3 GB.

SERIES is the kernel series crashed, one of SERIES: Debian 12's own kernel
(6.1, the default) or bookworm's long-term 6.12 kernel, the series of Debian
13 and of today's distributions, whose memory map is laid out differently.

Everything is cached in DIR: the kernel (from Debian's archive), the test
module, and one vmcore per kind, variant and series, reused while its recipe
(kind, kernel version, module source, init script, QEMU arguments, guest
tool) is the same.  Several processes may share DIR: preparation is serialised by a
lock, boots of one kind by another, and at most one boot per CPU runs.
"""

import argparse
import contextlib
import ctypes
import fcntl
import hashlib
import json
import lzma
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULE_SRC = HERE / "module"
INIT_SCRIPT = HERE / "init.sh"
# the helpers every /init sources (mark, fail, step ...), in every initramfs
GUEST_LIB = HERE / "guest-lib.sh"
# The recipe of the kind `filled` and the program it runs in the guest.
FILLED_SCRIPT = HERE / "filled.sh"
FILLER_SRC = HERE / "filler.c"
BUSYBOX = Path("/bin/busybox")
KEXEC = Path("/sbin/kexec")

# Capture-kernel drivers for the raw disks, plus their dependencies.
DISK_MODULES = ("virtio_pci", "virtio_blk")

# The file system the kind `filled` reads its page cache through, plus
# crc32c for its metadata checksums (ext4 asks for it by name, not as a
# module dependency).
FS_MODULES = ("crc32c_generic", "ext4")

# One CPU: TCG emulates each on a host thread, and boot_slot() counts one
# host CPU per VM.  -no-reboot: the guest's panic=-1 or reboot ends QEMU.
MEMORY_MIB = 640
# init_on_free=1: freed pages are zeroed, and zero pages of the vmcore stay
# holes on the host (a quarter less disk than without).
KERNEL_APPEND = "console=ttyS0 crashkernel=192M quiet panic=-1 init_on_free=1"
BOOT_TIMEOUT = 300

# The kind `filled`: a busy server.  3 GiB, 256 MiB of it for the capture
# kernel, and no init_on_free=1: what the guest frees must keep its data.
FILLED_MEMORY_MIB = 3072
FILLED_KERNEL_APPEND = "console=ttyS0 crashkernel=256M quiet panic=-1"
# Filling takes minutes under TCG, and so does copying 3 GB of vmcore.
FILLED_BOOT_TIMEOUT = 2400
# The page cache it reads: files from the host, sampled to about this size.
FILL_DATA_BYTES = 768 << 20
FILL_DATA_ROOTS = (Path("/usr/lib"), Path("/usr/share"))
FILL_DATA_MAX_FILE = 16 << 20

GUEST_DISK_BYTES = 64 << 20

# The page-flag snapshot's disk (init.sh's snapshot_page_flags), the third:
# four regions of equal size (kpagecount, kpageflags, twice), each room for 8
# bytes per pfn up to the highest pfn, which the files round up to a memory
# section (128 MiB on x86-64).
SNAPSHOT_DISK = "pageflags.img"
SNAPSHOT_FILES = ("kpagecount.first", "kpageflags.first", "kpagecount",
                  "kpageflags")
SNAPSHOT_SECTION_MIB = 128
SNAPSHOT_BLOCK = 64 << 10

# Variants of a kind: another memory layout, or the capture kernel loaded by
# kexec-tools' own loader (kexec_load, "kexec -c -p": the ELF headers of
# /proc/vmcore are then kexec-tools', whose "System RAM" segments end inside
# a page, as Debian's kdump-tools makes them) instead of "crashdesk load"
# (or "kexec -s -p" without a guest tool), whose headers the kernel builds.
# "big" has RAM above 4 GiB: q35 keeps 2 GiB below 4 GiB once the guest has
# more than 2.75 GiB, so 4.5 GiB puts 2.5 GiB above; no init_on_free=1 there,
# which would make QEMU allocate every page of it at boot (untouched guest
# pages read as zeros and stay holes all the same).  Each variant's vmcore
# is cached apart from the kind's (entry_name()).
BIG_MEMORY_MIB = 4608
BIG_KERNEL_APPEND = "console=ttyS0 crashkernel=256M quiet panic=-1"
BIG_BOOT_TIMEOUT = 900
VARIANTS = {
    "kexec": {"loader": "kexec"},
    "big": {"memory": BIG_MEMORY_MIB},
    "big-kexec": {"memory": BIG_MEMORY_MIB, "loader": "kexec"},
}


# The kernel series the VM suite crashes: the Debian metapackage whose
# dependency names the kernel (the newest ABI of the series in the archive).
# 6.1 is Debian 12's own kernel; 6.12 is bookworm's long-term kernel (from
# bookworm-security), the series of Debian 13, with the page-type layout of
# Linux 6.10 and later.  tools/install-deps installs both series' headers by
# the same rule.
SERIES = {"6.1": "linux-image-amd64", "6.12": "linux-image-6.12-amd64"}
DEFAULT_SERIES = "6.1"


def entry_name(kind, variant=None, series=None):
    """The kind's name in the cache (vmcore/, out/, locks): KIND, or
    KIND@VARIANT ('@' is in no kind, which are shell function names), then
    +SERIES for a series other than the default ('+' is in neither)."""
    name = kind if variant is None else f"{kind}@{variant}"
    if series is not None and series != DEFAULT_SERIES:
        name += f"+{series}"
    return name


def memory_mib(kind, variant=None):
    if kind == "filled":
        return FILLED_MEMORY_MIB
    return VARIANTS.get(variant, {}).get("memory", MEMORY_MIB)


def qemu_args(kind, variant=None):
    return (
        "-machine", "q35", "-cpu", "max", "-smp", "1",
        "-m", f"{memory_mib(kind, variant)}M",
        "-nodefaults", "-display", "none", "-no-reboot",
    )


def vmcore_disk_bytes(kind, variant=None):
    """Room for the vmcore: at most all of RAM, a second copy of the kernel
    image (its text mapping has a segment of its own) and the ELF headers."""
    return (memory_mib(kind, variant) + 128) << 20


def highest_address_mib(kind, variant=None):
    """Where the guest's RAM ends: q35 keeps all of it below 4 GiB up to
    2.75 GiB, else 2 GiB below and the rest from 4 GiB up."""
    memory = memory_mib(kind, variant)
    return memory if memory < 2816 else 4096 + memory - 2048


def snapshot_disk_bytes(kind, variant=None):
    """Four regions, each 8 bytes per pfn up to the highest address rounded
    up to a section, one section more for safety (init.sh fails when a file
    fills its region)."""
    sections = -(-highest_address_mib(kind, variant) // SNAPSHOT_SECTION_MIB) + 1
    pfns = (sections * SNAPSHOT_SECTION_MIB << 20) // 4096
    region = -(-pfns * 8 // SNAPSHOT_BLOCK) * SNAPSHOT_BLOCK
    return len(SNAPSHOT_FILES) * region


def boot_timeout(kind, variant=None):
    if kind == "filled":
        return FILLED_BOOT_TIMEOUT
    return BIG_BOOT_TIMEOUT if memory_mib(kind, variant) > MEMORY_MIB \
        else BOOT_TIMEOUT


class StepError(Exception):
    """A step of the harness failed; the message names the step."""

    def __init__(self, step, message):
        super().__init__(f"{step}: {message}")



def tap_main(total, check, *args, missing="no vmcore"):
    """Runs check(*args, tap) with a TAP plan of total checks, for the check
    scripts: what cannot be made (missing: the vmcore, the system image) bails
    out, the rest of the failed step's message as diagnostics. Returns the exit
    status."""
    from tap import Tap
    tap = Tap(total)
    try:
        check(*args, tap)
    except StepError as e:
        lines = str(e).splitlines()
        print(f"Bail out! {missing}: {lines[0]}")
        for line in lines[1:]:
            print(f"# {line}")
        return 1
    return 1 if tap.failed else 0

def kinds():
    """The crash kinds: one per crash_KIND() recipe in init.sh and
    filled.sh."""
    return [kind for script in (INIT_SCRIPT, FILLED_SCRIPT) for kind in
            re.findall(r"^crash_(\w+)\(\)", script.read_text(), re.M)]


def run(step, argv, **kwargs):
    """Run argv; on failure raise StepError with its output."""
    try:
        return subprocess.run(argv, check=True, capture_output=True,
                              text=True, **kwargs).stdout
    except FileNotFoundError as e:
        raise StepError(step, f"cannot run {argv[0]}: {e}") from None
    except subprocess.CalledProcessError as e:
        output = (e.stdout + e.stderr).strip()[-3000:]
        raise StepError(step, f"{' '.join(map(str, argv))} exited with "
                        f"{e.returncode}:\n{output}") from None


def sha256(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive fcntl lock on path (created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def boot_slot(cache):
    """Hold one of os.cpu_count() slots: QEMU under TCG wants a whole CPU,
    and an overcommitted guest may run into the boot timeout."""
    paths = [cache / "locks" / f"boot-{i}.lock"
             for i in range(os.cpu_count() or 1)]
    while True:
        for path in paths:
            with open(path, "a") as f:
                try:
                    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                yield
                return
        time.sleep(1)


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)


# --- kernel -----------------------------------------------------------------

def kernel_version(series=None):
    """The ABI version of the kernel that the series' Debian metapackage
    (SERIES) depends on; the project's install script installs the headers
    by the same rule."""
    series = series or DEFAULT_SERIES
    step = f"find the kernel version of series {series}"
    if series not in SERIES:
        raise StepError(step, f"unknown series {series!r}; known: "
                        f"{', '.join(SERIES)}")
    package = SERIES[series]
    out = run(step, ["apt-cache", "depends", package])
    m = re.search(r"Depends: linux-image-(\d\S+)", out)
    if not m:
        raise StepError(step, f"apt-cache depends {package} names no "
                        "linux-image package (run apt-get update)")
    version = m.group(1)
    if not version.startswith(f"{series}."):
        raise StepError(step, f"{package} depends on linux-image-{version}, "
                        f"which is not of series {series}")
    return version


def read_module(path):
    """The bytes of a kernel module, decompressed."""
    if path.name.endswith(".ko.xz"):
        return lzma.decompress(path.read_bytes())
    if path.name.endswith(".ko.zst"):
        return subprocess.run(["zstd", "-dc", path], check=True,
                              capture_output=True).stdout
    return path.read_bytes()


def module_name(path):
    """A module's name from its file name: virtio-iommu.ko.xz -> virtio_iommu."""
    return Path(path).name.split(".ko")[0].replace("-", "_")


def module_load_order(modules_dir, wanted):
    """Module files for wanted and their dependencies, dependencies first.
    Dependencies come from each module's .modinfo "depends=" entry; those
    built into the kernel (modules.builtin beside modules_dir: 6.12 builds in
    virtio_pci, which 6.1 has as a module) need no file."""
    files = {}
    for path in modules_dir.rglob("*.ko*"):
        files[module_name(path)] = path
    builtin_list = modules_dir.parent / "modules.builtin"
    builtin = {module_name(line) for line in
               builtin_list.read_text().split()} if builtin_list.exists() else set()
    order = []

    def visit(name):
        if name in order or name in builtin:
            return
        if name not in files:
            raise StepError("resolve virtio modules",
                            f"no module {name}.ko under {modules_dir}")
        data = read_module(files[name])
        m = re.search(rb"\0depends=([^\0]*)\0", data)
        for dep in filter(None, (m.group(1).decode() if m else "").split(",")):
            visit(dep)
        order.append(name)

    for name in wanted:
        visit(name)
    return [(name, read_module(files[name])) for name in order]


def unpack_kernel_package(step, tmp, version):
    """Download Debian's linux-image-VERSION into tmp and unpack it to
    tmp/root; return the package's file name."""
    rmtree(tmp)
    tmp.mkdir(parents=True)
    run(step, ["apt-get", "download", f"linux-image-{version}"], cwd=tmp)
    debs = list(tmp.glob("*.deb"))
    if len(debs) != 1:
        raise StepError(step, f"expected one .deb in {tmp}, found {debs}")
    run(step, ["dpkg", "-x", debs[0], tmp / "root"])
    return debs[0].name


def write_modules(tmp, version, wanted, out):
    """out/NN-name.ko for wanted and their dependencies, in load order."""
    out.mkdir(parents=True)
    modules_dir = tmp / "root" / "lib" / "modules" / version / "kernel"
    for i, (name, data) in enumerate(module_load_order(modules_dir, wanted)):
        (out / f"{i:02d}-{name}.ko").write_bytes(data)


def ensure_kernel(cache, version):
    """cache/kernel/VERSION with vmlinuz, modules/NN-name.ko (the disk
    drivers in load order) and fs-modules/ (ext4, for the kind `filled`),
    from Debian's linux-image package."""
    root = cache / "kernel" / version
    if root.is_dir():
        return root
    step = f"fetch kernel {version}"
    tmp = cache / "kernel" / f"{version}.tmp"
    deb = unpack_kernel_package(step, tmp, version)

    out = tmp / "keep"
    out.mkdir()
    vmlinuz = tmp / "root" / "boot" / f"vmlinuz-{version}"
    if not vmlinuz.is_file():
        raise StepError(step, f"{vmlinuz} missing in {deb}")
    shutil.copy(vmlinuz, out / "vmlinuz")
    write_modules(tmp, version, DISK_MODULES, out / "modules")
    write_modules(tmp, version, FS_MODULES, out / "fs-modules")
    # Keep only what the VM needs: the package unpacks to ~400 MB.
    out.rename(root)
    rmtree(tmp)
    return root


def ensure_fs_modules(cache, kernel_dir, version):
    """kernel_dir/fs-modules: ext4 and its dependencies in load order, for
    the kind `filled`.  A kernel directory cached before they were kept
    lacks them: the package is fetched again for them alone."""
    fs_modules = kernel_dir / "fs-modules"
    if fs_modules.is_dir():
        return fs_modules
    step = f"fetch the file system modules of kernel {version}"
    tmp = cache / "kernel" / f"{version}.fs.tmp"
    unpack_kernel_package(step, tmp, version)
    write_modules(tmp, version, FS_MODULES, tmp / "fs-modules")
    (tmp / "fs-modules").rename(fs_modules)
    rmtree(tmp)
    return fs_modules


def module_source_hash(version):
    parts = [version]
    for path in sorted(MODULE_SRC.iterdir()):
        parts += [path.name, path.read_bytes()]
    return sha256(*parts)[:16]


def ensure_headers(cache, version):
    """cache/headers/VERSION/usr/src/linux-headers-VERSION: the kernel's
    headers and kbuild, fetched from Debian's archive like the kernel and
    unpacked into the cache rather than installed: 6.12's headers package
    depends on its kernel image, and installing that would change the boot
    kernel of the machine the tests run on.  The packages are the headers
    package and the headers and kbuild packages it depends on; their relative
    symlinks (scripts -> ../../lib/linux-kbuild-*/scripts) hold in the
    unpacked tree, and the one absolute path, the include of the common
    headers' Makefile, is pointed into it."""
    root = cache / "headers" / version
    tree = root / "usr" / "src" / f"linux-headers-{version}"
    if tree.is_dir():
        return tree
    step = f"fetch the headers of kernel {version}"
    package = f"linux-headers-{version}"
    out = run(step, ["apt-cache", "depends", package])
    packages = [package] + sorted(set(re.findall(
        r"^\s*\|?Depends: (linux-(?:headers|kbuild)-\S+)$", out, re.M)))
    tmp = cache / "headers" / f"{version}.tmp"
    rmtree(tmp)
    tmp.mkdir(parents=True)
    run(step, ["apt-get", "download", *packages], cwd=tmp)
    for deb in sorted(tmp.glob("*.deb")):
        run(step, ["dpkg", "-x", deb, tmp / "root"])
        deb.unlink()
    makefile = tmp / "root" / tree.relative_to(root) / "Makefile"
    try:
        text = makefile.read_text()
    except OSError as e:
        raise StepError(step, f"{makefile} missing in {packages}: {e}") from None
    makefile.write_text(text.replace(" /usr/src/", f" {root}/usr/src/"))
    (tmp / "root").rename(root)
    rmtree(tmp)
    return tree


def ensure_module(cache, version):
    """The test module built against the kernel's headers (ensure_headers()),
    cached by the hash of its source and the kernel version."""
    step = "build the test module"
    ko = cache / "module" / module_source_hash(version) / "crashdesk_test.ko"
    if ko.is_file():
        return ko
    headers = ensure_headers(cache, version)
    build = ko.parent.with_suffix(".build")
    rmtree(build)
    shutil.copytree(MODULE_SRC, build)
    run(step, ["make", "-C", headers, f"M={build}", "modules"])
    ko.parent.mkdir(parents=True)
    shutil.copy(build / "crashdesk_test.ko", ko)
    rmtree(build)
    return ko


# --- the kind `filled` -------------------------------------------------------

def fill_data_files():
    """(path, size) of regular files under FILL_DATA_ROOTS, sampled by a
    hash of their path to about FILL_DATA_BYTES: every kind of content the
    trees hold (libraries, Python, text, compressed documentation, images),
    the same choice on every run."""
    files = []
    for top in FILL_DATA_ROOTS:
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                try:
                    st = path.lstat()
                except OSError:
                    continue
                if (stat.S_ISREG(st.st_mode)
                        and 0 < st.st_size <= FILL_DATA_MAX_FILE
                        and os.access(path, os.R_OK)):
                    files.append((path, st.st_size))
    total = sum(size for _, size in files)
    threshold = min(1.0, FILL_DATA_BYTES / max(total, 1)) * 2**64
    return [(path, size) for path, size in files
            if int.from_bytes(hashlib.sha256(str(path).encode()).digest()[:8],
                              "big") < threshold]


def ensure_fill_data(cache):
    """cache/fill/data/data.img: an ext4 image of about FILL_DATA_BYTES of
    the host's files, and data.json with its SHA-256.  Built once: later
    package updates on the host do not change it (delete it to rebuild)."""
    step = "build the data image of the kind filled"
    final = cache / "fill" / "data"
    if (final / "data.json").is_file():
        return final
    tmp = final.with_suffix(".tmp")
    rmtree(tmp)
    staging = tmp / "staging"
    staging.mkdir(parents=True)
    files = []
    for path, size in fill_data_files():
        dest = staging / path.relative_to("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(path, dest)
        except OSError:
            # gone or changed since the walk (a package upgrade): not needed
            dest.unlink(missing_ok=True)
            continue
        files.append((path, dest.stat().st_size))
    if not files:
        raise StepError(step, "no readable files under "
                        f"{', '.join(map(str, FILL_DATA_ROOTS))}")
    data_bytes = sum(size for _, size in files)
    # Blocks of 4 KiB round every file up; a tenth more for the metadata.
    blocks = sum(-(-size // 4096) for _, size in files)
    image_bytes = (blocks * 4096 * 11 // 10 + (64 << 20)) // (1 << 20) << 20
    image = tmp / "data.img"
    make_sparse_disk(image, image_bytes)
    run(step, ["/sbin/mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096",
               "-m", "0", "-N", str(len(files) * 2 + 4096),
               "-L", "crashdesk-fill", "-E", "root_owner=0:0",
               "-d", staging, image])
    rmtree(staging)
    h = hashlib.sha256()
    with open(image, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    (tmp / "data.json").write_text(json.dumps({
        "files": len(files), "data_bytes": data_bytes,
        "image_bytes": image_bytes, "sha256": h.hexdigest()}, indent=2) + "\n")
    rmtree(final)
    tmp.rename(final)
    return final


def ensure_filler(cache):
    """filler.c built static (the guest has no C library), cached by the
    hash of its source."""
    step = "build the filler"
    source_hash = sha256(FILLER_SRC.read_bytes())[:16]
    filler = cache / "fill" / "filler" / source_hash / "filler"
    if filler.is_file():
        return filler, source_hash
    tmp = filler.parent.with_suffix(".tmp")
    rmtree(tmp)
    tmp.mkdir(parents=True)
    run(step, ["gcc", "-static", "-O2", "-Wall", "-Wextra", "-o",
               tmp / "filler", FILLER_SRC])
    tmp.rename(filler.parent)
    return filler, source_hash


def ensure_fill(cache, kernel_dir, version):
    """What the kind `filled` needs besides the common parts: the ext4
    modules, the data image and the filler."""
    with locked(cache / "locks" / "fill.lock"):
        fs_modules = ensure_fs_modules(cache, kernel_dir, version)
        data = ensure_fill_data(cache)
        filler, filler_hash = ensure_filler(cache)
    return {
        "fs_modules": fs_modules,
        "data_image": data / "data.img",
        "data_sha256": json.loads((data / "data.json").read_text())["sha256"],
        "filler": filler,
        "filler_hash": filler_hash,
    }


# --- initramfs --------------------------------------------------------------

def shared_libraries(program):
    """Absolute paths of the libraries (and loader) program needs, as ldd
    resolves them; none for a static program or a script."""
    step = f"find the libraries of {program}"
    result = subprocess.run(["ldd", program], capture_output=True, text=True)
    if result.returncode != 0:
        if "not a dynamic executable" in result.stdout + result.stderr:
            return []
        raise StepError(step, f"ldd {program}: {result.stderr.strip()}")
    if "not found" in result.stdout:
        raise StepError(step, f"ldd {program}:\n{result.stdout}")
    return re.findall(r"(/\S+) \(0x", result.stdout)


def program_closure(program):
    """program and its libraries, each kept at its path on the host, so
    the loader and any RUNPATH find them in the guest as on the host."""
    program = Path(program).absolute()
    return [program] + [Path(lib) for lib in shared_libraries(program)]


def guest_tool_hash(tool):
    if tool is None:
        return None
    parts = []
    for path in program_closure(tool):
        parts += [str(path), path.read_bytes()]
    return sha256(*parts)[:16]


class Cpio:
    """An uncompressed newc archive built in memory; deterministic (owner
    root, mtime 0) so that its inputs alone define it."""

    def __init__(self):
        self.entries = {}

    def _parents(self, path):
        for parent in reversed(Path(path).parents[:-1]):
            self.entries.setdefault(str(parent), (0o40755, b"", 0, 0))

    def add(self, path, data, mode=0o100644, major=0, minor=0):
        path = path.lstrip("/")
        self._parents(path)
        self.entries[path] = (mode, data, major, minor)

    def add_file(self, path, source, mode=None):
        source = Path(source)
        if mode is None:
            mode = 0o100000 | (source.stat().st_mode & 0o777)
        self.add(str(path), source.read_bytes(), mode)

    def add_dir(self, path):
        self.add(path, b"", 0o40755)

    def to_bytes(self):
        out = bytearray()
        items = sorted(self.entries.items()) + [("TRAILER!!!",
                                                 (0, b"", 0, 0))]
        for ino, (name, (mode, data, major, minor)) in enumerate(items, 1):
            fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor,
                      len(name) + 1, 0)
            out += b"070701" + "".join(f"{v:08x}" for v in fields).encode()
            out += name.encode() + b"\0"
            out += b"\0" * (-len(out) % 4)
            out += data
            out += b"\0" * (-len(out) % 4)
        return bytes(out)


def base_initramfs():
    """What both kernels need: /init, busybox and the mount points."""
    cpio = Cpio()
    for d in ("dev", "proc", "sys", "tmp", "etc", "sbin"):
        cpio.add_dir(d)
    # The kernel opens /dev/console for init before devtmpfs is mounted.
    cpio.add("dev/console", b"", 0o20600, 5, 1)
    cpio.add_file("init", INIT_SCRIPT, 0o100755)
    cpio.add_file("lib/crashdesk/guest-lib.sh", GUEST_LIB, 0o100644)
    cpio.add_file("bin/busybox", BUSYBOX, 0o100755)
    applets = run("list busybox applets", [BUSYBOX, "--list"]).split()
    for applet in applets:
        if applet != "busybox":
            cpio.add(f"bin/{applet}", b"busybox", 0o120777)
    return cpio


def build_initramfs(kernel_dir, module_ko, guest_tool, fill=None):
    """The first kernel's initramfs; it holds the capture kernel's.  For
    the kind `filled` (fill: what ensure_fill() returns), /init is
    filled.sh, which runs init.sh, and the first kernel gets the disk and
    file system modules and the filler too."""
    capture = base_initramfs()
    for ko in sorted((kernel_dir / "modules").iterdir()):
        capture.add_file(f"lib/modules/virtio/{ko.name}", ko)
    if guest_tool is not None:
        closure = program_closure(guest_tool)
        for path in closure:
            capture.add_file(str(path), path)
        capture.add("etc/crashdesk-guest-tool", str(closure[0]).encode())

    first = base_initramfs()
    for path in program_closure(KEXEC):
        first.add_file(str(path), path)
    if guest_tool is not None:
        # the first kernel loads the capture kernel with the tool's "load"
        # (kexec_file_load) and crashes sysrq kinds with its "test-crash"
        closure = program_closure(guest_tool)
        for path in closure:
            first.add_file(str(path), path)
        first.add("etc/crashdesk-guest-tool", str(closure[0]).encode())
    first.add_file("lib/modules/crashdesk_test.ko", module_ko)
    first.add_file("boot/vmlinuz", kernel_dir / "vmlinuz")
    first.add("boot/capture.cpio", capture.to_bytes())
    # the first kernel writes the page-flag snapshot to a virtio disk
    for ko in sorted((kernel_dir / "modules").iterdir()):
        first.add_file(f"lib/modules/virtio/{ko.name}", ko)
    if fill is not None:
        first.add_file("init", FILLED_SCRIPT, 0o100755)
        first.add_file("lib/crashdesk/init.sh", INIT_SCRIPT, 0o100755)
        for ko in sorted(fill["fs_modules"].iterdir()):
            first.add_file(f"lib/modules/fs/{ko.name}", ko)
        first.add_file("bin/filler", fill["filler"], 0o100755)
    return first.to_bytes()


# --- boot -------------------------------------------------------------------

def recipe_for(kind, version, guest_tool, fill=None, variant=None):
    recipe = {
        "kind": kind,
        "kernel": version,
        "module": module_source_hash(version),
        "init": sha256(INIT_SCRIPT.read_bytes() + GUEST_LIB.read_bytes())[:16],
        "qemu": list(qemu_args(kind, variant)) + ["-append",
                                                  append_for(kind, variant)],
        "guest_tool": guest_tool_hash(guest_tool),
    }
    if variant is not None:
        # only variants have the key: the kinds' hashes stay as they were
        recipe["variant"] = variant
    if kind in KIND_MONITOR:
        recipe["monitor"] = {"commands": KIND_MONITOR[kind],
                             "delay": MONITOR_DELAY}
    if fill is not None:
        # Only this kind has the key: other kinds' hashes stay as they were.
        recipe["fill"] = {
            "script": sha256(FILLED_SCRIPT.read_bytes())[:16],
            "filler": fill["filler_hash"],
            "data": fill["data_sha256"][:16],
        }
    recipe["hash"] = sha256(json.dumps(recipe, sort_keys=True))[:16]
    return recipe


# Kernel options a kind needs beyond the common ones.
KIND_APPEND = {"bigring": "log_buf_len=16M", "oops_again": "nokaslr"}

# The kinds whose crash comes from outside the guest: the commands of QEMU's
# human monitor sent once the guest marks CRASHDESK-MONITOR: ready (init.sh).
# "mce CPU BANK STATUS MCG_STATUS ADDR MISC": an uncorrected error (VAL, UC, EN)
# that corrupted the processor context (PCC), machine check in progress (MCIP)
# with a restart IP (RIPV) but no error IP (EIPV): Linux's mce_panic(), "Fatal
# local machine check", and the interrupted instruction as "RIP !INEXACT!".
# Bank 1: Linux leaves bank 0 disabled on some family 6 models.
KIND_MONITOR = {
    "nmi": ["nmi"],
    "mce": ["mce 0 1 0xb200000000000000 0x5 0 0"],
}
# Seconds between the guest's mark and the commands: time for init to start
# "sleep" and the CPU to idle (sent at once, the NMI found it in execve).
MONITOR_DELAY = 3


def append_for(kind, variant=None):
    base = FILLED_KERNEL_APPEND if kind == "filled" else KERNEL_APPEND
    if memory_mib(kind, variant) == BIG_MEMORY_MIB:
        base = BIG_KERNEL_APPEND
    extra = KIND_APPEND.get(kind)
    loader = VARIANTS.get(variant, {}).get("loader")
    return (f"{base} crashdesk.kind={kind}" + (f" {extra}" if extra else "") +
            (f" crashdesk.loader={loader}" if loader else ""))


def make_sparse_disk(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


def qemu_command(work, kind, kernel_dir, fill=None, variant=None):
    command = ["qemu-system-x86_64", *qemu_args(kind, variant),
               "-kernel", kernel_dir / "vmlinuz",
               "-initrd", work / "initramfs.cpio",
               "-append", append_for(kind, variant),
               "-serial", f"file:{work / 'console.log'}"]
    # detect-zeroes=unmap: the zero pages of the vmcore stay holes on the host.
    for disk in ("vmcore.img", "guest.img", SNAPSHOT_DISK):
        command += ["-drive", f"file={work / disk},format=raw,if=virtio,"
                    "discard=unmap,detect-zeroes=unmap"]
    if fill is not None:
        # The fourth disk, /dev/vdd: shared by every run, so read-only.
        command += ["-drive", f"file={fill['data_image']},format=raw,"
                    "if=virtio,readonly=on"]
    if kind in KIND_MONITOR:
        command += ["-monitor", f"unix:{work / 'monitor.sock'},server=on,wait=off"]
    return command


def run_with_monitor(command, work, kind, timeout):
    """Run QEMU for a kind of KIND_MONITOR: once the console says
    CRASHDESK-MONITOR: ready, send the kind's monitor commands.  Returns
    (exit code, stderr, what the monitor answered); raises
    subprocess.TimeoutExpired."""
    sys.path.insert(0, str(HERE.parent))
    import screen
    deadline = time.monotonic() + timeout
    console_path = work / "console.log"
    replies = []
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL,
                            preexec_fn=die_with_parent)
    try:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(command, timeout)
            if not replies and console_path.exists() and \
                    "CRASHDESK-MONITOR: ready" in \
                    console_path.read_text(errors="replace"):
                time.sleep(MONITOR_DELAY)
                try:
                    with screen.Monitor(work / "monitor.sock", deadline) as m:
                        for line in KIND_MONITOR[kind]:
                            replies.append(m.command(line))
                except screen.MonitorError as e:
                    # the guest may crash, and QEMU end, before the prompt
                    replies.append(e.reply)
            time.sleep(0.2)
        stderr = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    return proc.returncode, stderr, "".join(replies)


def last_marker(console, name):
    """The value of the last CRASHDESK-NAME: line on the console, or None."""
    found = re.findall(rf"CRASHDESK-{name}: ([^\r\n]*)", console)
    return found[-1] if found else None


def die_with_parent():
    """Run in the QEMU child: a harness killed without its process group
    must not leave a VM running."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)


def boot(work, kind, kernel_dir, fill=None, variant=None, series=None):
    """Run the VM; return the console text.  Failures name the last stage
    the init script reported."""
    command = qemu_command(work, kind, kernel_dir, fill, variant)
    monitor_reply = ""
    try:
        if kind in KIND_MONITOR:
            returncode, stderr, monitor_reply = run_with_monitor(
                command, work, kind, boot_timeout(kind, variant))
        else:
            result = subprocess.run(command, capture_output=True, text=True,
                                    stdin=subprocess.DEVNULL,
                                    timeout=boot_timeout(kind, variant),
                                    preexec_fn=die_with_parent)
            returncode, stderr = result.returncode, result.stderr
        problem = None
        if returncode != 0:
            problem = f"qemu exited with {returncode}: {stderr.strip()}"
    except subprocess.TimeoutExpired:
        problem = f"timed out after {boot_timeout(kind, variant)} s"
    except OSError as e:
        problem = f"cannot run {command[0]}: {e}"
    console_path = work / "console.log"
    console = (console_path.read_text(errors="replace")
               if console_path.exists() else "")
    if problem is None:
        problem = last_marker(console, "ERROR")
    if problem is None and last_marker(console, "STAGE") != "done":
        problem = "the VM stopped early"
    if problem is not None and monitor_reply.strip():
        problem += f"\nQEMU's monitor answered: {monitor_reply.strip()}"
    if problem is not None:
        stage = last_marker(console, "STAGE") or "kernel boot (no init)"
        raise StepError(f"boot {entry_name(kind, variant, series)} (last stage: "
                        f"{stage})", problem)
    return console


def size_marker(console, name):
    value = last_marker(console, name)
    if value is None or not value.strip().isdigit():
        raise StepError("read the capture results",
                        f"no CRASHDESK-{name} line on the console")
    return int(value)


def extract_results(work, console, with_guest_tool):
    """Turn the disk images into the result files, deleting the images."""
    vmcore = work / "vmcore"
    (work / "vmcore.img").rename(vmcore)
    os.truncate(vmcore, size_marker(console, "VMCORE-SIZE"))
    with open(vmcore, "rb") as f:
        if f.read(4) != b"\x7fELF":
            raise StepError("read the capture results",
                            f"{vmcore} is not an ELF core file")
    guest_img = work / "guest.img"
    if with_guest_tool:
        size = size_marker(console, "GUEST-SIZE")
        with open(guest_img, "rb") as f:
            (work / "guest-dmesg.txt").write_bytes(f.read(size))
        rc = last_marker(console, "GUEST-RC")
        (work / "guest-dmesg.rc").write_text(f"{rc}\n")
    guest_img.unlink()
    extract_snapshot(work, console)


def extract_snapshot(work, console):
    """The page-flag snapshot's disk cut into its files (SNAPSHOT_FILES),
    each as long as the CRASHDESK-PAGEFLAGS line says."""
    image = work / SNAPSHOT_DISK
    value = last_marker(console, "PAGEFLAGS") or ""
    sizes = [int(v) for v in value.split() if v.isdigit()]
    if len(sizes) != len(SNAPSHOT_FILES) or len(value.split()) != len(sizes):
        raise StepError("read the page-flag snapshot",
                        f"CRASHDESK-PAGEFLAGS line {value!r}: want "
                        f"{len(SNAPSHOT_FILES)} sizes in bytes")
    region = image.stat().st_size // len(SNAPSHOT_FILES)
    with open(image, "rb") as f:
        for i, (name, size) in enumerate(zip(SNAPSHOT_FILES, sizes)):
            if size == 0 or size % 8 or size >= region:
                raise StepError("read the page-flag snapshot",
                                f"{name}: {size} bytes in a region of "
                                f"{region}")
            f.seek(i * region)
            (work / name).write_bytes(f.read(size))
    image.unlink()


def capture(cache, kind, kernel_dir, module_ko, guest_tool, recipe, out,
            fill=None, variant=None, series=None):
    """Boot the VM for recipe into cache/vmcore/ENTRY (entry_name()),
    replacing the entry of an older recipe.  Runs under the entry's lock.
    On failure only the console log is kept, in out."""
    final = cache / "vmcore" / entry_name(kind, variant, series)
    # not with_suffix(): the series' dot ("oops+6.12") is no suffix
    work = final.parent / f"{final.name}.work"
    rmtree(work)
    work.mkdir(parents=True)
    try:
        (work / "initramfs.cpio").write_bytes(
            build_initramfs(kernel_dir, module_ko, guest_tool, fill))
        make_sparse_disk(work / "vmcore.img", vmcore_disk_bytes(kind, variant))
        make_sparse_disk(work / "guest.img", GUEST_DISK_BYTES)
        make_sparse_disk(work / SNAPSHOT_DISK, snapshot_disk_bytes(kind, variant))
        with boot_slot(cache):
            console = boot(work, kind, kernel_dir, fill, variant, series)
        (work / "initramfs.cpio").unlink()
        (work / "monitor.sock").unlink(missing_ok=True)
        extract_results(work, console, guest_tool is not None)
    except BaseException:
        if (work / "console.log").exists():
            shutil.copy(work / "console.log", out / "console.log")
        rmtree(work)
        raise
    (work / "recipe.json").write_text(json.dumps(recipe, indent=2) + "\n")
    rmtree(final)
    work.rename(final)
    return final


def cached_entry(cache, kind, recipe, variant=None, series=None):
    entry = cache / "vmcore" / entry_name(kind, variant, series)
    try:
        stored = json.loads((entry / "recipe.json").read_text())
    except (OSError, ValueError):
        return None
    return entry if stored.get("hash") == recipe["hash"] else None


def sparse_copy(source, dest):
    """Copy only the data extents of source, leaving its holes as holes."""
    with open(source, "rb") as src, open(dest, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        offset = 0
        while offset < size:
            try:
                offset = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError:  # ENXIO: only a hole is left
                break
            end = os.lseek(src.fileno(), offset, os.SEEK_HOLE)
            src.seek(offset)
            dst.seek(offset)
            while offset < end:
                chunk = src.read(min(end - offset, 1 << 20))
                dst.write(chunk)
                offset += len(chunk)
        dst.truncate(size)


RESULT_FILES = ("vmcore", "console.log", "recipe.json", "guest-dmesg.txt",
                "guest-dmesg.rc", *SNAPSHOT_FILES)


def clear_results(out):
    out.mkdir(parents=True, exist_ok=True)
    for name in RESULT_FILES:
        (out / name).unlink(missing_ok=True)


def publish(entry, out):
    """Put the entry's files into out: hard links (the vmcore is large),
    sparse copies across file systems."""
    for name in RESULT_FILES:
        if (entry / name).exists():
            try:
                os.link(entry / name, out / name)
            except OSError:
                sparse_copy(entry / name, out / name)


def obtain(cache, kind, out, guest_tool=None, variant=None, series=None):
    """Make sure a vmcore of kind (in variant, one of VARIANTS, or None) of
    the kernel series (one of SERIES; None for the default) exists for the
    current recipe and publish it to out, which belongs to this caller alone
    (it is emptied first).  Returns the recipe; raises StepError."""
    cache = Path(cache).absolute()
    out = Path(out)
    if kind not in kinds():
        raise StepError("choose the crash kind",
                        f"unknown kind {kind!r}; known: {', '.join(kinds())}")
    if variant is not None and (variant not in VARIANTS or kind == "filled"):
        raise StepError("choose the variant",
                        f"unknown variant {variant!r} of {kind}; known: "
                        f"{', '.join(VARIANTS)} (not for filled)")
    if guest_tool is not None and not os.access(guest_tool, os.X_OK):
        raise StepError("check the guest tool",
                        f"{guest_tool} is not an executable file")
    # Results of an earlier call must not pass for this one's.
    clear_results(out)
    version = kernel_version(series)
    with locked(cache / "locks" / "prepare.lock"):
        kernel_dir = ensure_kernel(cache, version)
        module_ko = ensure_module(cache, version)
    fill = (ensure_fill(cache, kernel_dir, version) if kind == "filled"
            else None)
    recipe = recipe_for(kind, version, guest_tool, fill, variant)
    name = entry_name(kind, variant, series)
    with locked(cache / "locks" / f"kind-{name}.lock"):
        entry = cached_entry(cache, kind, recipe, variant, series)
        if entry is None:
            entry = capture(cache, kind, kernel_dir, module_ko, guest_tool,
                            recipe, out, fill, variant, series)
        publish(entry, out)
    return recipe


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--cache-dir", required=True, type=Path,
                        metavar="DIR")
    parser.add_argument("--kind", required=True, choices=kinds())
    parser.add_argument("--variant", choices=sorted(VARIANTS),
                        help="RAM above 4 GiB (big), kexec-tools' loader "
                        "(kexec), or both")
    parser.add_argument("--series", choices=sorted(SERIES),
                        default=DEFAULT_SERIES,
                        help="the kernel series crashed (default "
                        f"{DEFAULT_SERIES})")
    parser.add_argument("--guest-tool", type=Path, metavar="PATH",
                        help="program run in the capture kernel as "
                        "'TOOL dmesg /proc/vmcore'")
    parser.add_argument("--out", required=True, type=Path, metavar="OUTDIR")
    args = parser.parse_args()
    start = time.monotonic()
    try:
        recipe = obtain(args.cache_dir, args.kind, args.out, args.guest_tool,
                        args.variant, args.series)
    except StepError as e:
        console = args.out / "console.log"
        sys.exit(f"crashvm: {e}" + (f"\n(console log: {console})"
                                    if console.exists() else ""))
    name = entry_name(args.kind, args.variant, args.series)
    print(f"crashvm: {name} vmcore (recipe {recipe['hash']}, kernel "
          f"{recipe['kernel']}) in {args.out} after "
          f"{time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
