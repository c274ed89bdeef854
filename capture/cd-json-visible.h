/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

gboolean
cd_json_make_visible(json_object *obj);
gchar *
cd_json_text_make_visible(const gchar *data, gsize len);

G_END_DECLS
