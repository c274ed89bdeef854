/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdConfig"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-config.h"
#include "cd-kdump-format.h"
#include "cd-kdump-writer.h"
#include "cd-error.h"
#include "cd-file.h"

#define CD_CONFIG_GROUP_LOAD	"Load"
#define CD_CONFIG_GROUP_CAPTURE "Capture"

#define CD_CONFIG_MAX_REPORTS_DEFAULT 50
/* the same bound as crashdesk save --threads: one the option refuses, the file refuses */
#define CD_CONFIG_MAX_THREADS CD_KDUMP_WRITER_MAX_THREADS

/* the keys crashdesk reads; anything else is reported and ignored */
static const struct {
	const gchar *group;
	const gchar *key;
} cd_config_keys[] = {
	{ CD_CONFIG_GROUP_LOAD, "Kernel" },
	{ CD_CONFIG_GROUP_LOAD, "Initrd" },
	{ CD_CONFIG_GROUP_LOAD, "CommandLineAppend" },
	{ CD_CONFIG_GROUP_LOAD, "CommandLineRemove" },
	{ CD_CONFIG_GROUP_CAPTURE, "PanicScreen" },
	{ CD_CONFIG_GROUP_CAPTURE, "PanicScreenColors" },
	{ CD_CONFIG_GROUP_CAPTURE, "FinalAction" },
	{ CD_CONFIG_GROUP_CAPTURE, "DumpLevel" },
	{ CD_CONFIG_GROUP_CAPTURE, "Threads" },
	{ CD_CONFIG_GROUP_CAPTURE, "KeepFree" },
	{ CD_CONFIG_GROUP_CAPTURE, "MaxReports" },
	{ CD_CONFIG_GROUP_CAPTURE, "MaxTotalSize" },
};

static const gchar *const cd_final_action_names[] = { "reboot", "poweroff", "shell" };
static const gchar *const cd_panic_screen_names[] = { "off", "brown", "text" };

/* the index of @str in @names, or -1 */
static gint
cd_config_lookup_name(const gchar *const *names, guint n_names, const gchar *str)
{
	for (guint i = 0; i < n_names; i++) {
		if (g_strcmp0(str, names[i]) == 0)
			return (gint)i;
	}
	return -1;
}

const gchar *
cd_final_action_to_string(CdFinalAction action)
{
	g_return_val_if_fail((guint)action < G_N_ELEMENTS(cd_final_action_names), NULL);
	return cd_final_action_names[action];
}

gboolean
cd_final_action_from_string(const gchar *str, CdFinalAction *action)
{
	gint i = cd_config_lookup_name(cd_final_action_names,
				       G_N_ELEMENTS(cd_final_action_names),
				       str);

	if (i < 0)
		return FALSE;
	*action = (CdFinalAction)i;
	return TRUE;
}

const gchar *
cd_panic_screen_to_string(CdPanicScreen screen)
{
	g_return_val_if_fail((guint)screen < G_N_ELEMENTS(cd_panic_screen_names), NULL);
	return cd_panic_screen_names[screen];
}

gboolean
cd_panic_screen_from_string(const gchar *str, CdPanicScreen *screen)
{
	gint i = cd_config_lookup_name(cd_panic_screen_names,
				       G_N_ELEMENTS(cd_panic_screen_names),
				       str);

	if (i < 0)
		return FALSE;
	*screen = (CdPanicScreen)i;
	return TRUE;
}

CdConfig *
cd_config_new(void)
{
	CdConfig *self = g_new0(CdConfig, 1);

	self->command_line_append = g_new0(gchar *, 1);
	self->command_line_remove = g_new0(gchar *, 1);
	self->panic_screen = CD_PANIC_SCREEN_OFF;
	self->panic_screen_foreground = CD_CONFIG_PANIC_SCREEN_FOREGROUND;
	self->panic_screen_background = CD_CONFIG_PANIC_SCREEN_BACKGROUND;
	self->final_action = CD_FINAL_ACTION_REBOOT;
	self->dump_level = CD_DUMP_LEVEL_ALL;
	self->keep_free = -1;
	self->keep_free_percent = -1;
	self->max_reports = CD_CONFIG_MAX_REPORTS_DEFAULT;
	self->warnings = g_ptr_array_new_with_free_func(g_free);
	return self;
}

void
cd_config_free(CdConfig *self)
{
	if (self == NULL)
		return;
	g_free(self->path);
	g_free(self->kernel);
	g_free(self->initrd);
	g_strfreev(self->command_line_append);
	g_strfreev(self->command_line_remove);
	g_ptr_array_unref(self->warnings);
	g_free(self);
}

/* a number of bytes, with an optional binary suffix K, M, G or T as systemd reads them */
gboolean
cd_config_parse_size(const gchar *str, guint64 *bytes)
{
	guint64 value;
	guint shift = 0;
	gchar *end = NULL;

	if (str == NULL || !g_ascii_isdigit(str[0]))
		return FALSE;
	errno = 0;
	value = g_ascii_strtoull(str, &end, 10);
	if (errno != 0)
		return FALSE;
	switch (g_ascii_toupper(*end)) {
	case 'K':
		shift = 10;
		end++;
		break;
	case 'M':
		shift = 20;
		end++;
		break;
	case 'G':
		shift = 30;
		end++;
		break;
	case 'T':
		shift = 40;
		end++;
		break;
	default:
		break;
	}
	if (shift != 0 && (*end == 'i' || *end == 'B'))
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end != '\0')
		return FALSE;
	if (shift != 0 && value > (G_MAXUINT64 >> shift))
		return FALSE;
	*bytes = value << shift;
	return TRUE;
}

/*
 * The room a dump leaves free on a file system of @fs_bytes: KeepFree= as bytes or as a
 * percentage, or by default the larger of 1 GiB and 5 %.
 */
/* "#RRGGBB" */
static gboolean
cd_config_parse_color(const gchar *str, guint32 *rgb)
{
	guint32 value = 0;

	if (str[0] != '#' || strlen(str) != 7)
		return FALSE;
	for (guint i = 1; i < 7; i++) {
		gint digit = g_ascii_xdigit_value(str[i]);
		if (digit < 0)
			return FALSE;
		value = (value << 4) | (guint32)digit;
	}
	*rgb = value;
	return TRUE;
}

gboolean
cd_config_parse_colors(const gchar *str, guint32 *foreground, guint32 *background)
{
	g_auto(GStrv) words = g_strsplit_set(str, " \t", -1);
	const gchar *colors[2] = { NULL, NULL };
	guint n = 0;
	guint32 fg, bg;

	for (guint i = 0; words[i] != NULL; i++) {
		if (words[i][0] == '\0')
			continue;
		if (n == 2)
			return FALSE;
		colors[n++] = words[i];
	}
	if (n != 2 || !cd_config_parse_color(colors[0], &fg) ||
	    !cd_config_parse_color(colors[1], &bg))
		return FALSE;
	*foreground = fg;
	*background = bg;
	return TRUE;
}

guint64
cd_config_keep_free_bytes(gint64 keep_free, gint keep_free_percent, guint64 fs_bytes)
{
	if (keep_free >= 0)
		return (guint64)keep_free;
	if (keep_free_percent >= 0)
		return fs_bytes / 100 * (guint64)keep_free_percent;
	return MAX(CD_CONFIG_KEEP_FREE_MIN, fs_bytes / 100 * CD_CONFIG_KEEP_FREE_PERCENT);
}

/* where each key of each group was last set: the line a message names */
typedef struct {
	const gchar *name;
	GHashTable *lines;   /* "Group\nKey" -> line number */
	GPtrArray *warnings; /* what the scan found to say, in the order of the lines */
} CdConfigLines;

static guint
cd_config_line_of(CdConfigLines *lines, const gchar *group, const gchar *key)
{
	g_autofree gchar *id = g_strdup_printf("%s\n%s", group, key);

	return GPOINTER_TO_UINT(g_hash_table_lookup(lines->lines, id));
}

/*
 * Reads the lines the way GKeyFile does, to know where each key is and to name the first
 * line GKeyFile would refuse: its own messages carry no line number.
 */
static gboolean
cd_config_scan_lines(CdConfigLines *lines, const gchar *data, gsize len, GError **error)
{
	g_auto(GStrv) split = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *group = NULL;

	if (memchr(data, '\0', len) != NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: holds a NUL byte",
			    lines->name);
		return FALSE;
	}
	if (!g_utf8_validate(data, len, NULL)) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "%s: not UTF-8", lines->name);
		return FALSE;
	}
	text = g_strndup(data, len);
	split = g_strsplit(text, "\n", -1);
	for (guint i = 0; split[i] != NULL; i++) {
		const gchar *line = split[i];
		const gchar *eq;
		g_autofree gchar *key = NULL;

		while (g_ascii_isspace(*line))
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '[') {
			const gchar *close = strchr(line, ']');

			if (close == NULL || close == line + 1 || close[1] != '\0') {
				g_set_error(error,
					    CD_ERROR,
					    CD_ERROR_INVALID_DATA,
					    "%s:%u: '%s' is not a [Group] line",
					    lines->name,
					    i + 1,
					    line);
				return FALSE;
			}
			g_free(group);
			group = g_strndup(line + 1, close - line - 1);
			continue;
		}
		eq = strchr(line, '=');
		if (eq == NULL || eq == line) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s:%u: '%s' is not a Key=value line, a [Group] or a # comment",
				    lines->name,
				    i + 1,
				    line);
			return FALSE;
		}
		if (group == NULL) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s:%u: a key before the first [Group]",
				    lines->name,
				    i + 1);
			return FALSE;
		}
		key = g_strstrip(g_strndup(line, eq - line));
		/* GKeyFile keeps Key[locale] apart and never returns it as a key: without
		 * this it would be ignored without a word */
		if (strchr(key, '[') != NULL) {
			g_ptr_array_add(lines->warnings,
					g_strdup_printf("%s:%u: localized key %s in [%s], ignored: "
							"crashdesk.conf is not translated",
							lines->name,
							i + 1,
							key,
							group));
		}
		g_hash_table_insert(lines->lines,
				    g_strdup_printf("%s\n%s", group, key),
				    GUINT_TO_POINTER(i + 1));
	}
	return TRUE;
}

static gboolean
cd_config_known_key(const gchar *group, const gchar *key)
{
	for (guint i = 0; i < G_N_ELEMENTS(cd_config_keys); i++) {
		if (g_strcmp0(cd_config_keys[i].group, group) == 0 &&
		    g_strcmp0(cd_config_keys[i].key, key) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
cd_config_warn_unknown(CdConfig *self, GKeyFile *kf, CdConfigLines *lines)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

	for (guint i = 0; groups[i] != NULL; i++) {
		g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[i], NULL, NULL);

		for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
			if (cd_config_known_key(groups[i], keys[j]))
				continue;
			g_ptr_array_add(
				self->warnings,
				g_strdup_printf("%s:%u: unknown key %s in [%s], ignored",
						lines->name,
						cd_config_line_of(lines, groups[i], keys[j]),
						keys[j],
						groups[i]));
		}
	}
}

/* the value of a key, or NULL when it is not set; a value GKeyFile cannot unescape is an error */
static gchar *
cd_config_get(GKeyFile *kf,
	      CdConfigLines *lines,
	      const gchar *group,
	      const gchar *key,
	      GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gchar *value;

	if (!g_key_file_has_key(kf, group, key, NULL))
		return NULL;
	value = g_key_file_get_string(kf, group, key, &error_local);
	if (value == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s:%u: [%s] %s: %s",
			    lines->name,
			    cd_config_line_of(lines, group, key),
			    group,
			    key,
			    error_local->message);
		return NULL;
	}
	return g_strstrip(value);
}

G_GNUC_PRINTF(6, 7)
static gboolean
cd_config_bad_value(GError **error,
		    CdConfigLines *lines,
		    const gchar *group,
		    const gchar *key,
		    const gchar *value,
		    const gchar *format,
		    ...)
{
	va_list args;
	g_autofree gchar *why = NULL;

	va_start(args, format);
	why = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_INVALID_DATA,
		    "%s:%u: [%s] %s=%s: %s",
		    lines->name,
		    cd_config_line_of(lines, group, key),
		    group,
		    key,
		    value,
		    why);
	return FALSE;
}

/* an unsigned number in [min, max]; TRUE with *out unchanged when the key is not set */
static gboolean
cd_config_get_uint(GKeyFile *kf,
		   CdConfigLines *lines,
		   const gchar *group,
		   const gchar *key,
		   guint64 min,
		   guint64 max,
		   guint64 *out,
		   GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *value = cd_config_get(kf, lines, group, key, &error_local);
	guint64 number;

	if (value == NULL) {
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &number, NULL))
		return cd_config_bad_value(error, lines, group, key, value, "not a number");
	if (number < min || number > max) {
		return cd_config_bad_value(error,
					   lines,
					   group,
					   key,
					   value,
					   "out of range (%" G_GUINT64_FORMAT
					   " to %" G_GUINT64_FORMAT ")",
					   min,
					   max);
	}
	*out = number;
	return TRUE;
}

static gboolean
cd_config_get_path(GKeyFile *kf,
		   CdConfigLines *lines,
		   const gchar *group,
		   const gchar *key,
		   gchar **out,
		   GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *value = cd_config_get(kf, lines, group, key, &error_local);

	if (value == NULL) {
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		return TRUE;
	}
	if (value[0] == '\0')
		return TRUE; /* empty: the default */
	if (!g_path_is_absolute(value))
		return cd_config_bad_value(error, lines, group, key, value, "not an absolute path");
	g_free(*out);
	*out = g_steal_pointer(&value);
	return TRUE;
}

/* space-separated words; a word with a space in it would not survive the command line */
static gboolean
cd_config_get_words(GKeyFile *kf,
		    CdConfigLines *lines,
		    const gchar *group,
		    const gchar *key,
		    gboolean names_only,
		    gchar ***out,
		    GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *value = cd_config_get(kf, lines, group, key, &error_local);
	g_auto(GStrv) words = NULL;
	g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);

	if (value == NULL) {
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		return TRUE;
	}
	for (const gchar *p = value; *p != '\0'; p++) {
		if (g_ascii_iscntrl(*p) && *p != '\t') {
			return cd_config_bad_value(error,
						   lines,
						   group,
						   key,
						   value,
						   "holds a control character");
		}
	}
	words = g_strsplit_set(value, " \t", -1);
	for (guint i = 0; words[i] != NULL; i++) {
		if (words[i][0] == '\0')
			continue;
		if (names_only && strchr(words[i], '=') != NULL) {
			return cd_config_bad_value(error,
						   lines,
						   group,
						   key,
						   value,
						   "'%s': give parameter names, without '='",
						   words[i]);
		}
		if (strchr(words[i], '"') != NULL) {
			return cd_config_bad_value(error,
						   lines,
						   group,
						   key,
						   value,
						   "'%s': quoted values are not supported",
						   words[i]);
		}
		g_ptr_array_add(kept, g_strdup(words[i]));
	}
	g_ptr_array_add(kept, NULL);
	g_strfreev(*out);
	*out = (gchar **)g_ptr_array_free(g_steal_pointer(&kept), FALSE);
	return TRUE;
}

static gboolean
cd_config_read_load(CdConfig *self, GKeyFile *kf, CdConfigLines *lines, GError **error)
{
	const gchar *g = CD_CONFIG_GROUP_LOAD;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *initrd = cd_config_get(kf, lines, g, "Initrd", &error_local);

	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (!cd_config_get_path(kf, lines, g, "Kernel", &self->kernel, error))
		return FALSE;
	if (g_strcmp0(initrd, "none") == 0) {
		self->no_initrd = TRUE;
	} else if (!cd_config_get_path(kf, lines, g, "Initrd", &self->initrd, error)) {
		return FALSE;
	}
	if (!cd_config_get_words(kf,
				 lines,
				 g,
				 "CommandLineAppend",
				 FALSE,
				 &self->command_line_append,
				 error))
		return FALSE;
	return cd_config_get_words(kf,
				   lines,
				   g,
				   "CommandLineRemove",
				   TRUE,
				   &self->command_line_remove,
				   error);
}

static gboolean
cd_config_read_keep_free(CdConfig *self, GKeyFile *kf, CdConfigLines *lines, GError **error)
{
	const gchar *g = CD_CONFIG_GROUP_CAPTURE;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *value = cd_config_get(kf, lines, g, "KeepFree", &error_local);
	gsize len;
	guint64 number;

	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (value == NULL || value[0] == '\0')
		return TRUE;
	len = strlen(value);
	if (value[len - 1] == '%') {
		g_autofree gchar *digits = g_strndup(value, len - 1);

		if (!g_ascii_string_to_unsigned(digits, 10, 0, 90, &number, NULL)) {
			return cd_config_bad_value(error,
						   lines,
						   g,
						   "KeepFree",
						   value,
						   "a percentage must be 0 to 90");
		}
		self->keep_free_percent = (gint)number;
		return TRUE;
	}
	if (!cd_config_parse_size(value, &number) || number > G_MAXINT64) {
		return cd_config_bad_value(error,
					   lines,
					   g,
					   "KeepFree",
					   value,
					   "not a size (bytes with K, M, G or T) or a percentage");
	}
	self->keep_free = (gint64)number;
	return TRUE;
}

static gboolean
cd_config_read_capture(CdConfig *self, GKeyFile *kf, CdConfigLines *lines, GError **error)
{
	const gchar *g = CD_CONFIG_GROUP_CAPTURE;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *screen = cd_config_get(kf, lines, g, "PanicScreen", &error_local);
	g_autofree gchar *colors = NULL;
	g_autofree gchar *action = NULL;
	g_autofree gchar *total = NULL;
	guint64 number;

	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (screen != NULL && !cd_panic_screen_from_string(screen, &self->panic_screen)) {
		return cd_config_bad_value(error,
					   lines,
					   g,
					   "PanicScreen",
					   screen,
					   "must be off, brown or text");
	}
	colors = cd_config_get(kf, lines, g, "PanicScreenColors", &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (colors != NULL && !cd_config_parse_colors(colors,
						      &self->panic_screen_foreground,
						      &self->panic_screen_background)) {
		return cd_config_bad_value(error,
					   lines,
					   g,
					   "PanicScreenColors",
					   colors,
					   "must be two colours, the text's then the background's, "
					   "as #RRGGBB");
	}
	action = cd_config_get(kf, lines, g, "FinalAction", &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (action != NULL && !cd_final_action_from_string(action, &self->final_action)) {
		return cd_config_bad_value(error,
					   lines,
					   g,
					   "FinalAction",
					   action,
					   "must be reboot, poweroff or shell");
	}

	number = self->dump_level;
	if (!cd_config_get_uint(kf, lines, g, "DumpLevel", 0, CD_DUMP_LEVEL_ALL, &number, error))
		return FALSE;
	self->dump_level = (guint)number;
	number = self->threads;
	if (!cd_config_get_uint(kf, lines, g, "Threads", 0, CD_CONFIG_MAX_THREADS, &number, error))
		return FALSE;
	self->threads = (guint)number;
	number = self->max_reports;
	if (!cd_config_get_uint(kf, lines, g, "MaxReports", 0, 100000, &number, error))
		return FALSE;
	self->max_reports = (guint)number;
	if (!cd_config_read_keep_free(self, kf, lines, error))
		return FALSE;

	total = cd_config_get(kf, lines, g, "MaxTotalSize", &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (total != NULL && total[0] != '\0') {
		if (!cd_config_parse_size(total, &number) || number > G_MAXINT64) {
			return cd_config_bad_value(error,
						   lines,
						   g,
						   "MaxTotalSize",
						   total,
						   "not a size (bytes with K, M, G or T)");
		}
		self->max_total_size = number;
	}
	return TRUE;
}

CdConfig *
cd_config_load_from_data(const gchar *name, const gchar *data, gsize len, GError **error)
{
	g_autoptr(CdConfig) self = cd_config_new();
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GHashTable) line_table =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	CdConfigLines lines = { .name = name, .lines = line_table, .warnings = self->warnings };

	if (!cd_config_scan_lines(&lines, data, len, error))
		return NULL;
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &error_local)) {
		/* the scan above accepts what GKeyFile accepts: this is a fallback */
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: %s",
			    name,
			    error_local->message);
		return NULL;
	}
	cd_config_warn_unknown(self, kf, &lines);
	if (!cd_config_read_load(self, kf, &lines, error))
		return NULL;
	if (!cd_config_read_capture(self, kf, &lines, error))
		return NULL;
	self->path = g_strdup(name);
	return g_steal_pointer(&self);
}

/*
 * Reads the configuration: the file at @path, root's and not writable by others (it names
 * the kernel root loads); a missing file is the defaults unless @must_exist.
 */
CdConfig *
cd_config_load(const gchar *path, gboolean must_exist, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *data = NULL;
	struct stat st;
	gsize len = 0;
	gint fd;

	fd = cd_file_open_regular(AT_FDCWD, path, CD_FILE_OPEN_NONE, &st, &error_local);
	if (fd < 0) {
		if (!must_exist && g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return cd_config_new();
		g_set_error(error,
			    error_local->domain,
			    error_local->code,
			    "%s: %s",
			    path,
			    error_local->message);
		return NULL;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		g_close(fd, NULL);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_UNSAFE,
			    "%s: refused: it must belong to root and be writable by root only "
			    "(fix: chown root:root %s && chmod 644 %s)",
			    path,
			    path,
			    path);
		return NULL;
	}
	data = cd_file_read_fd_text(fd, CD_CONFIG_MAX_SIZE, &len, &error_local);
	g_close(fd, NULL);
	if (data == NULL) {
		g_set_error(error,
			    error_local->domain,
			    error_local->code,
			    "%s: %s",
			    path,
			    error_local->message);
		return NULL;
	}
	return cd_config_load_from_data(path, data, len, error);
}
