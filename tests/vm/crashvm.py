#!/usr/bin/python3
"""Crash a real Debian kernel in QEMU and hand back the kdump vmcore.

    crashvm.py --cache-dir DIR --kind KIND [--guest-tool PATH] --out OUTDIR

The first kernel loads a capture kernel with kexec and crashes in the way
KIND names (see the crash_* recipes in init.sh); the capture kernel writes
/proc/vmcore raw to a virtio disk and, with --guest-tool, the output of
"TOOL dmesg /proc/vmcore" to a second one.  OUTDIR receives vmcore,
console.log, recipe.json and, with --guest-tool, guest-dmesg.txt and
guest-dmesg.rc.

Everything is cached in DIR: the kernel (from Debian's archive), the test
module, and one vmcore per kind, reused while its recipe (kind, kernel
version, module source, init script, QEMU arguments, guest tool) is the
same.  Several processes may share DIR: preparation is serialised by a
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
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULE_SRC = HERE / "module"
INIT_SCRIPT = HERE / "init.sh"
BUSYBOX = Path("/bin/busybox")
KEXEC = Path("/sbin/kexec")

# Capture-kernel drivers for the raw disks, plus their dependencies.
DISK_MODULES = ("virtio_pci", "virtio_blk")

# One CPU: TCG emulates each on a host thread, and boot_slot() counts one
# host CPU per VM.  -no-reboot: the guest's panic=-1 or reboot ends QEMU.
MEMORY_MIB = 640
QEMU_ARGS = (
    "-machine", "q35", "-cpu", "max", "-smp", "1", "-m", f"{MEMORY_MIB}M",
    "-nodefaults", "-display", "none", "-no-reboot",
)
# init_on_free=1: freed pages are zeroed, and zero pages of the vmcore stay
# holes on the host (a quarter less disk than without).
KERNEL_APPEND = "console=ttyS0 crashkernel=192M quiet panic=-1 init_on_free=1"
# Room for the vmcore: at most all of RAM, a second copy of the kernel image
# (its text mapping has a segment of its own) and the ELF headers.
VMCORE_DISK_BYTES = (MEMORY_MIB + 128) << 20
GUEST_DISK_BYTES = 64 << 20
BOOT_TIMEOUT = 300


class StepError(Exception):
    """A step of the harness failed; the message names the step."""

    def __init__(self, step, message):
        super().__init__(f"{step}: {message}")


def kinds():
    """The crash kinds: one per crash_KIND() recipe in init.sh."""
    return re.findall(r"^crash_(\w+)\(\)", INIT_SCRIPT.read_text(), re.M)


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

def kernel_version():
    """The ABI version of the kernel Debian's linux-image-amd64 depends on;
    the project's install script installs the headers by the same rule."""
    out = run("find the kernel version",
              ["apt-cache", "depends", "linux-image-amd64"])
    m = re.search(r"Depends: linux-image-(\S+)", out)
    if not m:
        raise StepError("find the kernel version",
                        "apt-cache depends linux-image-amd64 names no "
                        "linux-image package (run apt-get update)")
    return m.group(1)


def read_module(path):
    """The bytes of a kernel module, decompressed."""
    if path.name.endswith(".ko.xz"):
        return lzma.decompress(path.read_bytes())
    if path.name.endswith(".ko.zst"):
        return subprocess.run(["zstd", "-dc", path], check=True,
                              capture_output=True).stdout
    return path.read_bytes()


def module_load_order(modules_dir, wanted):
    """Module files for wanted and their dependencies, dependencies first.
    Dependencies come from each module's .modinfo "depends=" entry."""
    files = {}
    for path in modules_dir.rglob("*.ko*"):
        files[path.name.split(".ko")[0].replace("-", "_")] = path
    order = []

    def visit(name):
        if name in order:
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


def ensure_kernel(cache, version):
    """cache/kernel/VERSION with vmlinuz and modules/NN-name.ko (the disk
    drivers in load order), from Debian's linux-image package."""
    root = cache / "kernel" / version
    if root.is_dir():
        return root
    step = f"fetch kernel {version}"
    tmp = cache / "kernel" / f"{version}.tmp"
    rmtree(tmp)
    tmp.mkdir(parents=True)
    run(step, ["apt-get", "download", f"linux-image-{version}"], cwd=tmp)
    debs = list(tmp.glob("*.deb"))
    if len(debs) != 1:
        raise StepError(step, f"expected one .deb in {tmp}, found {debs}")
    run(step, ["dpkg", "-x", debs[0], tmp / "root"])

    out = tmp / "keep"
    (out / "modules").mkdir(parents=True)
    vmlinuz = tmp / "root" / "boot" / f"vmlinuz-{version}"
    if not vmlinuz.is_file():
        raise StepError(step, f"{vmlinuz} missing in {debs[0].name}")
    shutil.copy(vmlinuz, out / "vmlinuz")
    modules_dir = tmp / "root" / "lib" / "modules" / version / "kernel"
    for i, (name, data) in enumerate(module_load_order(modules_dir,
                                                       DISK_MODULES)):
        (out / "modules" / f"{i:02d}-{name}.ko").write_bytes(data)
    # Keep only what the VM needs: the package unpacks to ~400 MB.
    out.rename(root)
    rmtree(tmp)
    return root


def module_source_hash(version):
    parts = [version]
    for path in sorted(MODULE_SRC.iterdir()):
        parts += [path.name, path.read_bytes()]
    return sha256(*parts)[:16]


def ensure_module(cache, version):
    """The test module built against /usr/src/linux-headers-VERSION,
    cached by the hash of its source and the kernel version."""
    step = "build the test module"
    ko = cache / "module" / module_source_hash(version) / "crashdesk_test.ko"
    if ko.is_file():
        return ko
    headers = Path(f"/usr/src/linux-headers-{version}")
    if not headers.is_dir():
        raise StepError(step, f"{headers} missing: apt-get install "
                        f"linux-headers-{version}")
    build = ko.parent.with_suffix(".build")
    rmtree(build)
    shutil.copytree(MODULE_SRC, build)
    run(step, ["make", "-C", headers, f"M={build}", "modules"])
    ko.parent.mkdir(parents=True)
    shutil.copy(build / "crashdesk_test.ko", ko)
    rmtree(build)
    return ko


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
    cpio.add_file("bin/busybox", BUSYBOX, 0o100755)
    applets = run("list busybox applets", [BUSYBOX, "--list"]).split()
    for applet in applets:
        if applet != "busybox":
            cpio.add(f"bin/{applet}", b"busybox", 0o120777)
    return cpio


def build_initramfs(kernel_dir, module_ko, guest_tool):
    """The first kernel's initramfs; it holds the capture kernel's."""
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
    first.add_file("lib/modules/crashdesk_test.ko", module_ko)
    first.add_file("boot/vmlinuz", kernel_dir / "vmlinuz")
    first.add("boot/capture.cpio", capture.to_bytes())
    return first.to_bytes()


# --- boot -------------------------------------------------------------------

def recipe_for(kind, version, guest_tool):
    recipe = {
        "kind": kind,
        "kernel": version,
        "module": module_source_hash(version),
        "init": sha256(INIT_SCRIPT.read_bytes())[:16],
        "qemu": list(QEMU_ARGS) + ["-append", append_for(kind)],
        "guest_tool": guest_tool_hash(guest_tool),
    }
    recipe["hash"] = sha256(json.dumps(recipe, sort_keys=True))[:16]
    return recipe


# Kernel options a kind needs beyond the common ones.
KIND_APPEND = {"bigring": "log_buf_len=16M", "oops_again": "nokaslr"}


def append_for(kind):
    extra = KIND_APPEND.get(kind)
    return f"{KERNEL_APPEND} crashdesk.kind={kind}" + (f" {extra}" if extra else "")


def make_sparse_disk(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


def qemu_command(work, kind, kernel_dir):
    command = ["qemu-system-x86_64", *QEMU_ARGS,
               "-kernel", kernel_dir / "vmlinuz",
               "-initrd", work / "initramfs.cpio",
               "-append", append_for(kind),
               "-serial", f"file:{work / 'console.log'}"]
    # detect-zeroes=unmap: the zero pages of the vmcore stay holes on the host.
    for disk in ("vmcore.img", "guest.img"):
        command += ["-drive", f"file={work / disk},format=raw,if=virtio,"
                    "discard=unmap,detect-zeroes=unmap"]
    return command


def last_marker(console, name):
    """The value of the last CRASHDESK-NAME: line on the console, or None."""
    found = re.findall(rf"CRASHDESK-{name}: ([^\r\n]*)", console)
    return found[-1] if found else None


def die_with_parent():
    """Run in the QEMU child: a harness killed without its process group
    must not leave a VM running."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)


def boot(work, kind, kernel_dir):
    """Run the VM; return the console text.  Failures name the last stage
    the init script reported."""
    command = qemu_command(work, kind, kernel_dir)
    try:
        result = subprocess.run(command, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL,
                                timeout=BOOT_TIMEOUT,
                                preexec_fn=die_with_parent)
        problem = None
        if result.returncode != 0:
            problem = (f"qemu exited with {result.returncode}: "
                       f"{result.stderr.strip()}")
    except subprocess.TimeoutExpired:
        problem = f"timed out after {BOOT_TIMEOUT} s"
    except OSError as e:
        problem = f"cannot run {command[0]}: {e}"
    console_path = work / "console.log"
    console = (console_path.read_text(errors="replace")
               if console_path.exists() else "")
    if problem is None:
        problem = last_marker(console, "ERROR")
    if problem is None and last_marker(console, "STAGE") != "done":
        problem = "the VM stopped early"
    if problem is not None:
        stage = last_marker(console, "STAGE") or "kernel boot (no init)"
        raise StepError(f"boot {kind} (last stage: {stage})", problem)
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


def capture(cache, kind, kernel_dir, module_ko, guest_tool, recipe, out):
    """Boot the VM for recipe into cache/vmcore/KIND, replacing the entry
    of an older recipe.  Runs under the kind's lock.  On failure only the
    console log is kept, in out."""
    final = cache / "vmcore" / kind
    work = final.with_suffix(".work")
    rmtree(work)
    work.mkdir(parents=True)
    try:
        (work / "initramfs.cpio").write_bytes(
            build_initramfs(kernel_dir, module_ko, guest_tool))
        make_sparse_disk(work / "vmcore.img", VMCORE_DISK_BYTES)
        make_sparse_disk(work / "guest.img", GUEST_DISK_BYTES)
        with boot_slot(cache):
            console = boot(work, kind, kernel_dir)
        (work / "initramfs.cpio").unlink()
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


def cached_entry(cache, kind, recipe):
    entry = cache / "vmcore" / kind
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
                "guest-dmesg.rc")


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


def obtain(cache, kind, out, guest_tool=None):
    """Make sure a vmcore of kind exists for the current recipe and publish
    it to out, which belongs to this caller alone (it is emptied first).
    Returns the recipe; raises StepError."""
    cache = Path(cache).absolute()
    out = Path(out)
    if kind not in kinds():
        raise StepError("choose the crash kind",
                        f"unknown kind {kind!r}; known: {', '.join(kinds())}")
    if guest_tool is not None and not os.access(guest_tool, os.X_OK):
        raise StepError("check the guest tool",
                        f"{guest_tool} is not an executable file")
    # Results of an earlier call must not pass for this one's.
    clear_results(out)
    version = kernel_version()
    with locked(cache / "locks" / "prepare.lock"):
        kernel_dir = ensure_kernel(cache, version)
        module_ko = ensure_module(cache, version)
    recipe = recipe_for(kind, version, guest_tool)
    with locked(cache / "locks" / f"kind-{kind}.lock"):
        entry = cached_entry(cache, kind, recipe)
        if entry is None:
            entry = capture(cache, kind, kernel_dir, module_ko, guest_tool,
                            recipe, out)
        publish(entry, out)
    return recipe


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--cache-dir", required=True, type=Path,
                        metavar="DIR")
    parser.add_argument("--kind", required=True, choices=kinds())
    parser.add_argument("--guest-tool", type=Path, metavar="PATH",
                        help="program run in the capture kernel as "
                        "'TOOL dmesg /proc/vmcore'")
    parser.add_argument("--out", required=True, type=Path, metavar="OUTDIR")
    args = parser.parse_args()
    start = time.monotonic()
    try:
        recipe = obtain(args.cache_dir, args.kind, args.out, args.guest_tool)
    except StepError as e:
        console = args.out / "console.log"
        sys.exit(f"crashvm: {e}" + (f"\n(console log: {console})"
                                    if console.exists() else ""))
    print(f"crashvm: {args.kind} vmcore (recipe {recipe['hash']}, kernel "
          f"{recipe['kernel']}) in {args.out} after "
          f"{time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
