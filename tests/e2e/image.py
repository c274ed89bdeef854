"""The end-to-end test's system image: Debian 12 with crashdesk installed.

The base (base-image.sh: debootstrap, systemd, Debian's kernel and initramfs, the
libraries crashdesk links) is built once and cached as a tree, keyed by a hash of its
recipe: suite, apt sources, package list and the script's bytes.  Another kernel
series' base (series-image.sh) is that tree with its kernel swapped for the series',
cached beside it and keyed by the default base's hash, the series' kernel package
and its script's bytes.  Each run copies the
tree, installs crashdesk into it with `meson install` as a user would, enables its
units, adds the test's control unit and writes the whole into a sparse raw ext4 disk
image with `mkfs.ext4 -d` (no mounts; owners and modes are kept).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "vm"))
from crashvm import (DEFAULT_SERIES, SERIES, StepError, locked,  # noqa: E402
                     make_sparse_disk, rmtree, run, sha256, shared_libraries)

BASE_SCRIPT = HERE / "base-image.sh"
SERIES_SCRIPT = HERE / "series-image.sh"
# what both source: its bytes are in both recipes
CHROOT_LIB = HERE / "chroot-lib.sh"
GUEST_DIR = HERE / "guest"
SUITE = "bookworm"
# what a minimal system that boots itself with systemd needs, beside the libraries
# crashdesk links (found with ldd and dpkg -S on the host's build) and the kernel
# series' metapackage (crashvm.SERIES: linux-image-amd64 for Debian 12's own 6.1,
# linux-image-6.12-amd64 from bookworm-security for 6.12, as the VM suite's)
# console-setup-linux: the console fonts the panic screen draws with
BASE_PACKAGES = ("systemd", "systemd-sysv", "udev", "kmod", "initramfs-tools",
                 "console-setup-linux")
# the tools crashdesk must do without: none of them may be in the image
FORBIDDEN_PACKAGES = ("kexec-tools", "makedumpfile")
# room beside the system (about 0.6 GiB) for the report and its dump, which save
# writes only while --keep-free (at least 1 GiB) stays free
DISK_BYTES = 4 << 30


def apt_source_files():
    files = [Path("/etc/apt/sources.list")]
    d = Path("/etc/apt/sources.list.d")
    if d.is_dir():
        files += sorted(p for p in d.iterdir() if p.suffix in (".list", ".sources"))
    return [f for f in files if f.is_file()]


def host_debian_sources(suite=SUITE):
    """(mirror, sources.list text): the host's apt entries for suite and its
    -updates and -security, main only, one-line format; mirror is the URI of
    suite itself, for debootstrap.  Other vendors' entries are left out."""
    entries = []
    for path in apt_source_files():
        text = path.read_text()
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = {}
                for line in stanza.splitlines():
                    if line.startswith("#") or ":" not in line:
                        continue
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.split()
                if ("deb" in fields.get("types", []) and
                        fields.get("enabled", ["yes"])[0] != "no"):
                    for uri in fields.get("uris", []):
                        for s in fields.get("suites", []):
                            entries.append((uri, s, fields.get("components", [])))
        else:
            for line in text.splitlines():
                words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
                if len(words) >= 3 and words[0] == "deb":
                    entries.append((words[1], words[2], words[3:]))
    wanted = (suite, f"{suite}-updates", f"{suite}-security")
    entries = [(uri.rstrip("/"), s, comps) for uri, s, comps in entries
               if s in wanted and "main" in comps]
    mirror = next((uri for uri, s, _ in entries if s == suite), None)
    if mirror is None:
        raise StepError("find the Debian mirror",
                        f"no apt source for {suite} main in "
                        f"{', '.join(map(str, apt_source_files()))}")
    lines = sorted({f"deb {uri} {s} main" for uri, s, _ in entries})
    return mirror, "".join(line + "\n" for line in lines)


def owning_package(path):
    """The package that ships path; with the merged /usr a library may be
    registered under /lib or /usr/lib, so both are asked."""
    candidates = [str(path)]
    real = os.path.realpath(path)
    for p in (real, str(path)):
        if p.startswith("/usr/"):
            candidates.append(p[4:])
        else:
            candidates.append("/usr" + p)
    candidates.append(real)
    for candidate in dict.fromkeys(candidates):
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True,
                                text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    raise StepError("find crashdesk's runtime packages",
                    f"dpkg -S: no package ships {path}")


def runtime_packages(programs):
    """The Debian packages of the libraries the programs need, as ldd resolves them."""
    return sorted({owning_package(lib) for program in programs
                   for lib in shared_libraries(program)})


def base_recipe(programs):
    mirror, sources = host_debian_sources()
    packages = sorted(set(BASE_PACKAGES) | {SERIES[DEFAULT_SERIES]} |
                      set(runtime_packages(programs)))
    recipe = {
        "suite": SUITE,
        "mirror": mirror,
        "sources": sources,
        "packages": packages,
        "script": sha256(BASE_SCRIPT.read_bytes(), CHROOT_LIB.read_bytes())[:16],
    }
    recipe["hash"] = sha256(json.dumps(recipe, sort_keys=True))[:16]
    return recipe


def base_dir(cache, series=DEFAULT_SERIES):
    """cache/base for the default series, cache/base+SERIES for another (as the
    VM suite names its cache entries): each series keeps its own base."""
    return cache / ("base" if series == DEFAULT_SERIES else f"base+{series}")


def series_recipe(parent, series):
    """The recipe of series' base, made from the default base parent (its recipe)."""
    recipe = {
        "series": series,
        "parent": parent["hash"],
        "kernel_package": SERIES[series],
        "script": sha256(SERIES_SCRIPT.read_bytes(), CHROOT_LIB.read_bytes())[:16],
    }
    recipe["hash"] = sha256(json.dumps(recipe, sort_keys=True))[:16]
    return recipe


def ensure_base(cache, programs, log=print, series=DEFAULT_SERIES):
    """base_dir/HASH/tree for the current recipe of the kernel series (programs:
    the built ones whose libraries it must hold), built if missing (the series'
    older recipes' trees are removed, the other series' are kept); another
    series' base is made from the default one's, which is built first if
    missing.  Returns (tree, recipe)."""
    if series == DEFAULT_SERIES:
        recipe = base_recipe(programs)
    else:
        parent_tree, parent = ensure_base(cache, programs, log)
        recipe = series_recipe(parent, series)
    base = base_dir(cache, series)
    final = base / recipe["hash"]
    with locked(cache / "locks" / f"{base.name}.lock"):
        if (final / "recipe.json").is_file():
            return final / "tree", json.loads((final / "recipe.json").read_text())
        step = ("build the base image (debootstrap)" if series == DEFAULT_SERIES else
                f"build the base image of series {series}")
        if os.geteuid() != 0:
            raise StepError(step, "debootstrap and the image's owners need root")
        for old in base.glob("*") if base.is_dir() else ():
            rmtree(old)
        work = base / f"{recipe['hash']}.tmp"
        work.mkdir(parents=True)
        start = time.monotonic()
        try:
            if series == DEFAULT_SERIES:
                (work / "sources.list").write_text(recipe["sources"])
                log(f"building the base image {recipe['hash']}: debootstrap {SUITE} "
                    f"from {recipe['mirror']}, then {' '.join(recipe['packages'])}")
                run(step, ["sh", BASE_SCRIPT, work / "tree", SUITE, recipe["mirror"],
                           work / "sources.list", *recipe["packages"]])
            else:
                log(f"building the base image {recipe['hash']} of series {series}: "
                    f"the base {parent['hash']} with {SERIES[series]} for its kernel")
                run(step, ["cp", "-a", "--reflink=auto", parent_tree, work / "tree"])
                run(step, ["sh", SERIES_SCRIPT, work / "tree", series,
                           SERIES[series]])
        except StepError:
            # the script unmounts its /proc on every exit; a tree left behind is
            # removed here so that the next run starts afresh
            rmtree(work)
            raise
        recipe["build_seconds"] = round(time.monotonic() - start, 1)
        (work / "recipe.json").write_text(json.dumps(recipe, indent=2) + "\n")
        work.rename(final)
        return final / "tree", recipe


def kernel_files(tree):
    """(release, vmlinuz, initrd) of the one kernel installed in tree."""
    releases = sorted(p.name for p in (tree / "lib" / "modules").iterdir())
    if len(releases) != 1:
        raise StepError("find the image's kernel",
                        f"expected one kernel in {tree}/lib/modules: {releases}")
    release = releases[0]
    vmlinuz = tree / "boot" / f"vmlinuz-{release}"
    initrd = tree / "boot" / f"initrd.img-{release}"
    for f in (vmlinuz, initrd):
        if not f.is_file():
            raise StepError("find the image's kernel", f"{f} missing")
    return release, vmlinuz, initrd


def installed_packages(tree):
    out = run("list the image's packages",
              ["dpkg-query", f"--admindir={tree}/var/lib/dpkg", "-W",
               "-f", "${Package} ${Status}\\n"])
    return {line.split()[0] for line in out.splitlines()
            if line.endswith("install ok installed")}


def unit_names(stage):
    """The systemd units `meson install` put into stage, by name."""
    return sorted({p.name for p in stage.rglob("lib/systemd/system/*")
                   if p.suffix in (".service", ".target", ".path", ".timer")})


# --- the disk image, read with debugfs (no mounts) --------------------------------

def debugfs(disk, request):
    result = subprocess.run(["debugfs", "-R", request, str(disk)],
                            capture_output=True, text=True)
    return result.stdout


def debugfs_ls(disk, path):
    """{name: (mode, uid, gid)} of a directory, without . and ..; modes with
    their file type bits, as stat gives them."""
    entries = {}
    for line in debugfs(disk, f"ls -p {path}").splitlines():
        # /inode/mode/uid/gid/name/size/
        fields = line.strip().split("/")
        if len(fields) >= 7 and fields[5] not in (".", ".."):
            entries[fields[5]] = (int(fields[2], 8), int(fields[3]), int(fields[4]))
    return entries


def debugfs_stat(disk, path):
    """(mode, uid, gid) of path, or None."""
    parent, name = path.rstrip("/").rsplit("/", 1)
    return debugfs_ls(disk, parent or "/").get(name)


# files of the base whose owner or mode is not root's 0644/0755
KEPT_SAMPLES = ("etc/shadow", "tmp", "usr/bin/su", "var/log/journal")


def owners_and_modes_lost(tree, disk, paths):
    """The paths whose mode, owner or group on the disk image differ from the
    tree's: mkfs.ext4 -d must keep them."""
    lost = []
    for rel in paths:
        st = os.lstat(tree / rel)
        want = (st.st_mode, st.st_uid, st.st_gid)
        got = debugfs_stat(disk, "/" + rel)
        if got != want:
            lost.append(f"/{rel}: tree {oct(want[0])} {want[1]}:{want[2]}, disk "
                        f"{got and (oct(got[0]), got[1], got[2])}")
    return lost


def make_disk(base_tree, build_dir, work, extra_files, enable):
    """work/disk.img: base_tree with crashdesk installed from build_dir, plus the
    test's own files, {image path: (source, mode)}, and the units enable enabled
    with systemctl, as an administrator would.  Returns what went in: units,
    packages, seconds taken."""
    start = time.monotonic()
    tree = work / "tree"
    stage = work / "stage"
    rmtree(tree)
    rmtree(stage)
    work.mkdir(parents=True, exist_ok=True)
    run("copy the base image", ["cp", "-a", "--reflink=auto", base_tree, tree])
    run("meson install", ["meson", "install", "-C", build_dir, "--destdir", stage,
                          "--no-rebuild", "--quiet"])
    run("copy the installed files into the image", ["cp", "-a", f"{stage}/.", tree])
    units = unit_names(stage)
    installed = sorted(str(p.relative_to(stage)) for p in stage.rglob("*"))
    rmtree(stage)
    for path, (source, mode) in extra_files.items():
        dest = tree / path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        # a link in the tree may point out of it (absolute): replace, not follow
        dest.unlink(missing_ok=True)
        shutil.copyfile(source, dest)
        os.chmod(dest, mode)
    run("enable the units", ["systemctl", f"--root={tree}", "enable", *enable])
    packages = installed_packages(tree)
    disk = work / "disk.img"
    disk.unlink(missing_ok=True)
    make_sparse_disk(disk, DISK_BYTES)
    # -E root_owner: the root directory as in the tree; -d keeps owners and modes
    run("write the disk image", ["mkfs.ext4", "-q", "-F", "-L", "crashdesk-e2e",
                                 "-E", "root_owner=0:0", "-d", tree, disk])
    lost = owners_and_modes_lost(tree, disk, [*KEPT_SAMPLES, *installed,
                                              *(p.lstrip("/") for p in extra_files)])
    rmtree(tree)
    return {"units": units, "enabled": list(enable), "packages": packages,
            "installed": installed, "lost": lost,
            "seconds": round(time.monotonic() - start, 1)}
