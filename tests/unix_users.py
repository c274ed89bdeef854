"""Real unix users for the tests that check who may see what: created as system users
without a home or a login shell, removed afterwards, and commands run as them."""

import pwd
import subprocess


def ensure_user(name, groups=()):
    """Creates @name (in @groups) unless it exists; returns its passwd entry."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        argv = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
        if groups:
            argv += ["--groups", ",".join(groups)]
        subprocess.run(argv + [name], check=True)
    return pwd.getpwnam(name)


def remove_user(name):
    subprocess.run(["userdel", name], capture_output=True)


def as_user(user, argv):
    """@argv to run as @user (None: as we are), with its primary group (not always one
    of its name: nobody's is nogroup) and its supplementary groups."""
    argv = [str(a) for a in argv]
    if user is None:
        return argv
    gid = pwd.getpwnam(user).pw_gid
    return ["setpriv", f"--reuid={user}", f"--regid={gid}", "--init-groups", "--"] + argv
