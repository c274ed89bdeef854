/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

/*
 * vt-holder: what a hung display server does to the console, for check-panic-console.py.
 * Takes a free VT, makes it the active one, puts it in VT_PROCESS mode and never answers
 * the kernel's request to release it. Prints "holding ttyN" once it holds it, then sleeps
 * until killed. Built static: the guest has no C library.
 */

#include <fcntl.h>
#include <linux/vt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static void
ignore(int sig)
{
	(void)sig;
}

int
main(void)
{
	struct vt_mode mode;
	struct vt_stat state;
	struct sigaction sa;
	char path[32];
	int tty0, fd, number = -1;

	tty0 = open("/dev/tty0", O_RDWR | O_NOCTTY);
	if (tty0 < 0 || ioctl(tty0, VT_OPENQRY, &number) < 0 || number <= 0) {
		perror("vt-holder: no free VT");
		return 1;
	}
	snprintf(path, sizeof(path), "/dev/tty%d", number);
	fd = open(path, O_RDWR | O_NOCTTY);
	if (fd < 0 || ioctl(tty0, VT_ACTIVATE, number) < 0) {
		perror("vt-holder: cannot activate the VT");
		return 1;
	}
	for (int i = 0; i < 500; i++) {
		struct timespec ms10 = { 0, 10 * 1000 * 1000 };

		if (ioctl(tty0, VT_GETSTATE, &state) == 0 && state.v_active == number)
			break;
		nanosleep(&ms10, NULL);
	}
	/* the release request arrives as SIGUSR1, and is never answered with VT_RELDISP */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore;
	sigaction(SIGUSR1, &sa, NULL);
	memset(&mode, 0, sizeof(mode));
	mode.mode = VT_PROCESS;
	mode.relsig = SIGUSR1;
	mode.acqsig = SIGUSR1;
	if (ioctl(fd, VT_SETMODE, &mode) < 0) {
		perror("vt-holder: VT_SETMODE");
		return 1;
	}
	printf("holding tty%d\n", number);
	fflush(stdout);
	for (;;)
		pause();
}
