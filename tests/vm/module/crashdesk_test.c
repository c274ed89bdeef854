// SPDX-License-Identifier: GPL-2.0
/*
 * crashdesk_test - crash the kernel on purpose, for crashdesk's VM tests.
 *
 * Loading the module first prints a few records whose bytes a dmesg
 * reader must escape or keep as they are, then performs the crash chosen
 * by the "kind" parameter.  Kinds the module does not crash for itself
 * (sysrq, wrap, bigring, and idle for the crashes the host sends from QEMU's
 * monitor) return 0 and leave the crash to the init script or the host;
 * "hung" starts a kernel thread that waits uninterruptibly for good, for the
 * hung task detector to find (the init script sets hung_task_panic).
 */

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/string.h>

static char *kind = "sysrq";
module_param(kind, charp, 0444);
MODULE_PARM_DESC(kind, "sysrq, oops, bug, panic, warn, wrap, bigring, idle or hung");

static int lines;
module_param(lines, int, 0444);
MODULE_PARM_DESC(lines, "numbered lines to print before the crash");

/* 20,000 lines wrap the ring buffer of Debian's kernel (128 KiB); with
 * log_buf_len=16M, 150,000 lines fill half of it without wrapping. */
static void crashdesk_flood(void)
{
	int i;

	for (i = 1; i <= lines; i++)
		pr_info("crashdesk-test flood line %d\n", i);
}

/* Printed last before every crash so that they survive a wrapped ring. */
static void crashdesk_print_samples(void)
{
	/* Control bytes, DEL and UTF-8 must come out as \xNN escapes. */
	pr_info("crashdesk-test: escape \x01 \x7f \xc3\xa9 end\n");
	/* A tab is printable for dmesg readers and must stay a raw tab. */
	pr_info("crashdesk-test: tab\there\n");
	/* One record holding two lines. */
	pr_info("crashdesk-test: multi-line first\ncrashdesk-test: multi-line second\n");
}

static void crashdesk_oops(void)
{
	/* volatile: the compiler must not see that the store goes to NULL. */
	int *volatile ptr = NULL;

	*ptr = 42;
}

/* In D state for good: nothing wakes it, so every check of khungtaskd finds it
 * blocked with the same switch count. */
static int crashdesk_hung(void *unused)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	}
	return 0;
}

static int __init crashdesk_test_init(void)
{
	struct task_struct *task;

	crashdesk_flood();
	crashdesk_print_samples();

	if (!strcmp(kind, "oops"))
		crashdesk_oops();
	else if (!strcmp(kind, "bug"))
		BUG();
	else if (!strcmp(kind, "panic"))
		panic("crashdesk-test: deliberate panic %d", 42);
	else if (!strcmp(kind, "warn"))
		WARN(1, "crashdesk-test: deliberate warning %d\n", 42);
	else if (!strcmp(kind, "hung")) {
		task = kthread_run(crashdesk_hung, NULL, "crashdesk-hung");
		if (IS_ERR(task))
			return PTR_ERR(task);
	} else if (strcmp(kind, "sysrq") && strcmp(kind, "wrap") && strcmp(kind, "bigring") &&
		   strcmp(kind, "idle")) {
		return -EINVAL;
	}

	/* Still alive: the init script crashes the kernel next (or failed). */
	return 0;
}

static void __exit crashdesk_test_exit(void)
{
}

module_init(crashdesk_test_init);
module_exit(crashdesk_test_exit);

MODULE_DESCRIPTION("Deliberate kernel crashes for crashdesk's VM tests");
MODULE_LICENSE("GPL");
