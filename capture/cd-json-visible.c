/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "cd-json-visible.h"

#include <string.h>

#include "cd-text.h"

/**
 * cd_json_make_visible:
 *
 * Makes every string of @obj, its members' names too, visible in place with
 * cd_text_make_visible(), so that the JSON written from it holds no control character,
 * not even as an escape (\u001b). For the JSON files of a report (meta.json,
 * state.json) shown to a person or sent by crashdesk-helper.
 *
 * Returns: %TRUE if a string had to be changed
 */
gboolean
cd_json_make_visible(json_object *obj)
{
	gboolean changed = FALSE;

	if (json_object_is_type(obj, json_type_object)) {
		g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

		json_object_object_foreach(obj, name, member)
		{
			if (cd_json_make_visible(member))
				changed = TRUE;
			if (!cd_text_is_visible(name, CD_TEXT_FLAG_NONE))
				g_ptr_array_add(keys, g_strdup(name));
		}
		changed = changed || keys->len > 0;
		for (guint i = 0; i < keys->len; i++) {
			const gchar *key = g_ptr_array_index(keys, i);
			g_autofree gchar *shown = cd_text_make_visible(key, -1, CD_TEXT_FLAG_NONE);
			json_object *value = NULL;

			json_object_object_get_ex(obj, key, &value);
			json_object_object_add(obj, shown, json_object_get(value));
			json_object_object_del(obj, key);
		}
	} else if (json_object_is_type(obj, json_type_array)) {
		for (gsize i = 0; i < json_object_array_length(obj); i++) {
			if (cd_json_make_visible(json_object_array_get_idx(obj, i)))
				changed = TRUE;
		}
	} else if (json_object_is_type(obj, json_type_string)) {
		const gchar *str = json_object_get_string(obj);
		gsize len = (gsize)json_object_get_string_len(obj);

		/* a string with a NUL inside is shorter than its length: \x00 shows it */
		if (strlen(str) != len || !cd_text_is_visible(str, CD_TEXT_FLAG_NONE)) {
			g_autofree gchar *shown =
				cd_text_make_visible(str, (gssize)len, CD_TEXT_FLAG_NONE);
			json_object_set_string(obj, shown);
			changed = TRUE;
		}
	}
	return changed;
}

/**
 * cd_json_text_make_visible:
 * @data: a JSON document, not necessarily NUL-terminated
 *
 * Returns: (transfer full) (nullable): @data unchanged when it holds no control character
 * and none of its strings needs to be made visible (the file as written, byte for byte),
 * else written again from its parse with every string made visible; %NULL when it is
 * not one JSON value
 */
gchar *
cd_json_text_make_visible(const gchar *data, gsize len)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = json_tokener_parse_ex(tok, data, (gint)MIN(len, (gsize)G_MAXINT));
	gboolean parsed = obj != NULL && json_tokener_get_error(tok) == json_tokener_success &&
			  json_tokener_get_parse_end(tok) == len;
	g_autofree gchar *copy = NULL;
	gchar *text = NULL;

	json_tokener_free(tok);
	if (!parsed) {
		json_object_put(obj);
		return NULL;
	}
	copy = g_strndup(data, len);
	if (!cd_json_make_visible(obj) && strlen(copy) == len &&
	    cd_text_is_visible(copy, CD_TEXT_FLAG_KEEP_NEWLINES))
		text = g_steal_pointer(&copy);
	else
		text = g_strdup(json_object_to_json_string_ext(
			obj,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
	return text;
}
