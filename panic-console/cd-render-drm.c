/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdRenderDrm"

#include "config.h"

#include <drm.h>
#include <drm_mode.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cd-display-private.h"
#include "cd-error.h"

/*
 * A DRM device through the kernel's ioctls alone (no libdrm in a capture initramfs): every
 * connected connector gets a free CRTC, its preferred mode and a dumb buffer of its own
 * that the whole page is drawn into. The kernel's answers are bounded and checked before
 * any is used to allocate, map or copy.
 */

/* more than any real card has; the two-call pattern is retried when counts change */
#define CD_DRM_MAX_OBJECTS 64
#define CD_DRM_MAX_MODES   256
#define CD_DRM_RETRIES	   4
/* how long the first frame's flip may take to complete: a screen must show within this */
#define CD_DRM_FLIP_TIMEOUT_MS 1000

typedef struct {
	gint fd;
	gboolean master;
} CdRenderDrm;

typedef struct {
	CdRenderDrm *drm; /* not owned: the display's priv outlives its outputs */
	guint32 crtc_id;
	guint32 connector_id;
	guint32 fb_id;
	guint32 handle;
	guint32 pitch;
	guint8 *map;
	gsize map_size;
	struct drm_mode_modeinfo mode;
	gboolean flipped;   /* the first frame was presented */
	gint64 mode_set_at; /* monotonic µs */
} CdRenderDrmOutput;

static const gchar *const cd_drm_connector_types[] = {
	"Unknown", "VGA",	"DVI-I", "DVI-D", "DVI-A",     "Composite", "SVIDEO",
	"LVDS",	   "Component", "DIN",	 "DP",	  "HDMI-A",    "HDMI-B",    "TV",
	"eDP",	   "Virtual",	"DSI",	 "DPI",	  "Writeback", "SPI",	    "USB",
};

gboolean
cd_drm_check_dumb(guint width, guint height, guint32 pitch, guint64 size, GError **error)
{
	if (pitch < (guint64)width * 4 || (guint64)pitch * height > size ||
	    size > CD_DISPLAY_MAX_MAP_SIZE || pitch % 4 != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the kernel's dumb buffer for %ux%u (pitch %u, %" G_GUINT64_FORMAT
			    " bytes) does not hold it",
			    width,
			    height,
			    pitch,
			    size);
		return FALSE;
	}
	return TRUE;
}

static gint
cd_drm_ioctl(gint fd, unsigned long request, gpointer arg)
{
	gint rc;

	do {
		rc = ioctl(fd, request, arg);
	} while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	return rc < 0 ? -errno : 0;
}

static void
cd_render_drm_free(CdRenderDrm *drm)
{
	if (drm->master)
		(void)cd_drm_ioctl(drm->fd, DRM_IOCTL_DROP_MASTER, NULL);
	if (drm->fd >= 0)
		close(drm->fd);
	g_free(drm);
}

static void
cd_render_drm_output_free(CdRenderDrmOutput *out)
{
	gint fd = out->drm->fd;

	if (out->map != NULL)
		munmap(out->map, out->map_size);
	/* removing the framebuffer turns the CRTC off; closing the device (last close)
	 * lets the fbdev emulation put the console back */
	if (out->fb_id != 0)
		(void)cd_drm_ioctl(fd, DRM_IOCTL_MODE_RMFB, &out->fb_id);
	if (out->handle != 0) {
		struct drm_mode_destroy_dumb destroy = { .handle = out->handle };
		(void)cd_drm_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	}
	g_free(out);
}

/* the object ids of the card: CRTCs and connectors, each list bounded */
static gboolean
cd_drm_get_resources(gint fd, GArray *crtcs, GArray *connectors, GError **error)
{
	for (guint attempt = 0; attempt < CD_DRM_RETRIES; attempt++) {
		struct drm_mode_card_res res = { 0 };
		struct drm_mode_card_res again = { 0 };
		gint rc = cd_drm_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);

		if (rc < 0) {
			cd_error_set_from_errno(error, -rc, "MODE_GETRESOURCES");
			return FALSE;
		}
		if (res.count_crtcs > CD_DRM_MAX_OBJECTS ||
		    res.count_connectors > CD_DRM_MAX_OBJECTS) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%u CRTCs and %u connectors: more than %u",
				    res.count_crtcs,
				    res.count_connectors,
				    CD_DRM_MAX_OBJECTS);
			return FALSE;
		}
		g_array_set_size(crtcs, res.count_crtcs);
		g_array_set_size(connectors, res.count_connectors);
		again.count_crtcs = res.count_crtcs;
		again.count_connectors = res.count_connectors;
		again.crtc_id_ptr = (guintptr)crtcs->data;
		again.connector_id_ptr = (guintptr)connectors->data;
		rc = cd_drm_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &again);
		if (rc < 0) {
			cd_error_set_from_errno(error, -rc, "MODE_GETRESOURCES");
			return FALSE;
		}
		/* a connector hot-plugged between the calls: ask again */
		if (again.count_crtcs == res.count_crtcs &&
		    again.count_connectors == res.count_connectors)
			return TRUE;
	}
	g_set_error_literal(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the card's resources keep changing");
	return FALSE;
}

/* a connected connector's modes and encoders; FALSE without error when not connected */
static gboolean
cd_drm_get_connector(gint fd,
		     guint32 connector_id,
		     struct drm_mode_get_connector *conn,
		     GArray *modes,
		     GArray *encoders,
		     GError **error)
{
	for (guint attempt = 0; attempt < CD_DRM_RETRIES; attempt++) {
		struct drm_mode_get_connector probe = { .connector_id = connector_id };
		/* with no modes asked for, the kernel probes the connector */
		gint rc = cd_drm_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &probe);

		if (rc < 0) {
			cd_error_set_from_errno(error, -rc, "MODE_GETCONNECTOR %u", connector_id);
			return FALSE;
		}
		if (probe.connection != 1 /* connected */ || probe.count_modes == 0)
			return FALSE;
		if (probe.count_modes > CD_DRM_MAX_MODES ||
		    probe.count_encoders > CD_DRM_MAX_OBJECTS) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "connector %u: %u modes and %u encoders",
				    connector_id,
				    probe.count_modes,
				    probe.count_encoders);
			return FALSE;
		}
		g_array_set_size(modes, probe.count_modes);
		g_array_set_size(encoders, probe.count_encoders);
		memset(conn, 0, sizeof(*conn));
		conn->connector_id = connector_id;
		conn->count_modes = probe.count_modes;
		conn->count_encoders = probe.count_encoders;
		conn->modes_ptr = (guintptr)modes->data;
		conn->encoders_ptr = (guintptr)encoders->data;
		rc = cd_drm_ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, conn);
		if (rc < 0) {
			cd_error_set_from_errno(error, -rc, "MODE_GETCONNECTOR %u", connector_id);
			return FALSE;
		}
		if (conn->count_modes == probe.count_modes &&
		    conn->count_encoders == probe.count_encoders)
			return conn->connection == 1;
	}
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_INVALID_DATA,
		    "connector %u keeps changing",
		    connector_id);
	return FALSE;
}

/* a CRTC this connector can drive and nobody else uses here, or 0 */
static guint32
cd_drm_pick_crtc(gint fd,
		 const struct drm_mode_get_connector *conn,
		 GArray *encoders,
		 GArray *crtcs,
		 GArray *used)
{
	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < encoders->len; i++) {
			guint32 encoder_id = g_array_index(encoders, guint32, i);
			struct drm_mode_get_encoder enc = { .encoder_id = encoder_id };

			/* the encoder in use first, so that the mode set changes least */
			if ((pass == 0) != (encoder_id == conn->encoder_id))
				continue;
			if (cd_drm_ioctl(fd, DRM_IOCTL_MODE_GETENCODER, &enc) < 0)
				continue;
			for (guint c = 0; c < crtcs->len && c < 32; c++) {
				guint32 crtc_id = g_array_index(crtcs, guint32, c);
				gboolean taken = FALSE;

				if ((enc.possible_crtcs & (1u << c)) == 0)
					continue;
				for (guint u = 0; u < used->len; u++)
					taken |= g_array_index(used, guint32, u) == crtc_id;
				if (!taken)
					return crtc_id;
			}
		}
	}
	return 0;
}

gboolean
cd_drm_events_have_flip(const guint8 *buf, gsize len, guint64 user_data)
{
	gsize offset = 0;

	while (len - offset >= sizeof(struct drm_event)) {
		struct drm_event event;
		struct drm_event_vblank vblank;

		memcpy(&event, buf + offset, sizeof(event));
		/* the kernel writes whole events; anything else ends the reading */
		if (event.length < sizeof(event) || event.length > len - offset)
			return FALSE;
		if (event.type == DRM_EVENT_FLIP_COMPLETE && event.length >= sizeof(vblank)) {
			memcpy(&vblank, buf + offset, sizeof(vblank));
			if (vblank.user_data == user_data)
				return TRUE;
		}
		offset += event.length;
	}
	return FALSE;
}

/* until the flip asked with @user_data completes, or the deadline */
static gboolean
cd_render_drm_wait_flip(gint fd, guint64 user_data, gint64 deadline, GError **error)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		guint64 buf[512]; /* 4 KiB, aligned for the events' 64-bit fields */
		gint64 left = deadline - g_get_monotonic_time();
		gssize n;
		gint rc;

		if (left <= 0) {
			g_set_error(error,
				    G_FILE_ERROR,
				    G_FILE_ERROR_AGAIN,
				    "no flip event within %u ms",
				    CD_DRM_FLIP_TIMEOUT_MS);
			return FALSE;
		}
		rc = poll(&pfd, 1, (gint)((left + 999) / 1000));
		if (rc < 0 && errno != EINTR) {
			cd_error_set_from_errno(error, errno, "poll");
			return FALSE;
		}
		if (rc <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			cd_error_set_from_errno(error, errno, "reading the DRM events");
			return FALSE;
		}
		if (n > 0 && cd_drm_events_have_flip((const guint8 *)buf, (gsize)n, user_data))
			return TRUE;
	}
}

/*
 * The first frame is committed with a page flip to the buffer already on the CRTC, and
 * the flip's completion event awaited: the commit is the driver's word that the frame
 * went to the display. It also mends a driver whose first mode set after loading shows
 * the wrong surface: QXL sizes its primary surface from the monitor configuration that
 * the commit itself writes, so the first commit after the driver loaded, ours when the
 * capture kernel's console had not yet set a mode, makes a 64x64 surface and the page
 * drawn at 1024x768 never shows; the flip's commit sizes it again, from that
 * configuration.
 */
static gboolean
cd_render_drm_flip(CdRenderDrmOutput *out, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)CD_DRM_FLIP_TIMEOUT_MS * 1000;
	struct drm_mode_crtc_page_flip flip = {
		.crtc_id = out->crtc_id,
		.fb_id = out->fb_id,
		.flags = DRM_MODE_PAGE_FLIP_EVENT,
		.user_data = out->crtc_id,
	};
	gint rc;

	/* busy while a commit before ours (the mode set's) is still completing */
	while ((rc = cd_drm_ioctl(out->drm->fd, DRM_IOCTL_MODE_PAGE_FLIP, &flip)) == -EBUSY &&
	       g_get_monotonic_time() < deadline)
		g_usleep(5 * 1000);
	if (rc < 0) {
		cd_error_set_from_errno(error, -rc, "MODE_PAGE_FLIP");
		return FALSE;
	}
	return cd_render_drm_wait_flip(out->drm->fd, out->crtc_id, deadline, error);
}

/* the rows that changed, for the drivers that copy on demand (virtual and USB displays) */
static gboolean
cd_render_drm_dirty(CdRenderDrmOutput *out, guint width, guint top, guint bottom, GError **error)
{
	struct drm_clip_rect clip = { .x1 = 0, .y1 = top, .x2 = width, .y2 = bottom };
	struct drm_mode_fb_dirty_cmd dirty = {
		.fb_id = out->fb_id,
		.num_clips = 1,
		.clips_ptr = (guintptr)&clip,
	};
	gint rc = cd_drm_ioctl(out->drm->fd, DRM_IOCTL_MODE_DIRTYFB, &dirty);

	/* the others scan the buffer out as it is and have no such ioctl */
	if (rc < 0 && rc != -ENOSYS && rc != -EINVAL && rc != -EOPNOTSUPP) {
		cd_error_set_from_errno(error, -rc, "MODE_DIRTYFB");
		return FALSE;
	}
	return TRUE;
}

static gboolean
cd_render_drm_present(CdDisplayOutput *output,
		      const CdCanvas *canvas,
		      guint top,
		      guint rows,
		      GError **error)
{
	CdRenderDrmOutput *out = output->priv;
	guint width = MIN(canvas->width, output->width);
	guint height = MIN(MIN(canvas->height, output->height), top + rows);
	g_autoptr(GError) error_flip = NULL;

	for (guint y = top; y < height; y++)
		memcpy(out->map + (gsize)y * out->pitch,
		       canvas->pixels + (gsize)y * canvas->width,
		       (gsize)width * 4);
	if (out->flipped)
		return cd_render_drm_dirty(out, width, top, height, error);

	out->flipped = TRUE;
	g_free(output->frame_note);
	if (cd_render_drm_flip(out, &error_flip)) {
		output->frame_note =
			g_strdup_printf("the driver confirmed the frame, %" G_GINT64_FORMAT
					" ms after the mode set",
					(g_get_monotonic_time() - out->mode_set_at) / 1000);
		return TRUE;
	}
	/* shown all the same where the driver copies on demand; told, not fatal */
	output->frame_note =
		g_strdup_printf("the driver did not confirm the frame: %s", error_flip->message);
	return cd_render_drm_dirty(out, width, 0, height, error);
}

/* one dumb buffer at the mode's size, mapped, shown on the CRTC */
static CdRenderDrmOutput *
cd_render_drm_output_new(CdRenderDrm *drm,
			 guint32 crtc_id,
			 guint32 connector_id,
			 const struct drm_mode_modeinfo *mode,
			 GError **error)
{
	CdRenderDrmOutput *out = g_new0(CdRenderDrmOutput, 1);
	struct drm_mode_create_dumb create = { 0 };
	struct drm_mode_fb_cmd fb = { 0 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_mode_crtc set = { 0 };
	gint rc;

	out->drm = drm;
	out->crtc_id = crtc_id;
	out->connector_id = connector_id;
	out->mode = *mode;

	create.width = mode->hdisplay;
	create.height = mode->vdisplay;
	create.bpp = 32;
	rc = cd_drm_ioctl(drm->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	if (rc < 0) {
		cd_error_set_from_errno(error,
					-rc,
					"MODE_CREATE_DUMB %ux%u",
					create.width,
					create.height);
		cd_render_drm_output_free(out);
		return NULL;
	}
	out->handle = create.handle;
	if (!cd_drm_check_dumb(mode->hdisplay, mode->vdisplay, create.pitch, create.size, error)) {
		cd_render_drm_output_free(out);
		return NULL;
	}
	out->pitch = create.pitch;
	out->map_size = create.size;

	fb.width = mode->hdisplay;
	fb.height = mode->vdisplay;
	fb.pitch = create.pitch;
	fb.bpp = 32;
	fb.depth = 24; /* XRGB8888: the canvas's own 0x00RRGGBB */
	fb.handle = create.handle;
	rc = cd_drm_ioctl(drm->fd, DRM_IOCTL_MODE_ADDFB, &fb);
	if (rc < 0) {
		cd_error_set_from_errno(error, -rc, "MODE_ADDFB");
		cd_render_drm_output_free(out);
		return NULL;
	}
	out->fb_id = fb.fb_id;

	map.handle = create.handle;
	rc = cd_drm_ioctl(drm->fd, DRM_IOCTL_MODE_MAP_DUMB, &map);
	if (rc < 0) {
		cd_error_set_from_errno(error, -rc, "MODE_MAP_DUMB");
		cd_render_drm_output_free(out);
		return NULL;
	}
	out->map = mmap(NULL,
			out->map_size,
			PROT_READ | PROT_WRITE,
			MAP_SHARED,
			drm->fd,
			(off_t)map.offset);
	if (out->map == MAP_FAILED) {
		out->map = NULL;
		cd_error_set_from_errno(error, errno, "cannot map the dumb buffer");
		cd_render_drm_output_free(out);
		return NULL;
	}
	/* brown before the first page is drawn would need the page; black is honest */
	memset(out->map, 0, out->map_size);

	set.crtc_id = crtc_id;
	set.fb_id = out->fb_id;
	set.set_connectors_ptr = (guintptr)&out->connector_id;
	set.count_connectors = 1;
	set.mode = *mode;
	set.mode_valid = 1;
	rc = cd_drm_ioctl(drm->fd, DRM_IOCTL_MODE_SETCRTC, &set);
	if (rc < 0) {
		cd_error_set_from_errno(error, -rc, "MODE_SETCRTC %u", crtc_id);
		cd_render_drm_output_free(out);
		return NULL;
	}
	out->mode_set_at = g_get_monotonic_time();
	return out;
}

static const struct drm_mode_modeinfo *
cd_drm_preferred_mode(GArray *modes)
{
	for (guint i = 0; i < modes->len; i++) {
		const struct drm_mode_modeinfo *mode =
			&g_array_index(modes, struct drm_mode_modeinfo, i);
		if ((mode->type & DRM_MODE_TYPE_PREFERRED) != 0)
			return mode;
	}
	return &g_array_index(modes, struct drm_mode_modeinfo, 0);
}

CdDisplay *
cd_render_drm_open(const gchar *path, GError **error)
{
	g_autoptr(CdDisplay) self = NULL;
	g_autofree gchar *name = g_path_get_basename(path);
	g_autoptr(GArray) crtcs = g_array_new(FALSE, TRUE, sizeof(guint32));
	g_autoptr(GArray) connectors = g_array_new(FALSE, TRUE, sizeof(guint32));
	g_autoptr(GArray) used = g_array_new(FALSE, TRUE, sizeof(guint32));
	g_autoptr(GString) skipped = g_string_new(NULL);
	CdRenderDrm *drm = g_new0(CdRenderDrm, 1);
	gint rc;

	self = cd_display_new(CD_RENDERER_DRM, name);
	self->priv = drm;
	self->priv_free = (GDestroyNotify)cd_render_drm_free;
	drm->fd = open(path, O_RDWR | O_CLOEXEC);
	if (drm->fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open %s", path);
		return NULL;
	}
	rc = cd_drm_ioctl(drm->fd, DRM_IOCTL_SET_MASTER, NULL);
	if (rc < 0) {
		cd_error_set_from_errno(error, -rc, "%s: cannot become DRM master", path);
		return NULL;
	}
	drm->master = TRUE;
	if (!cd_drm_get_resources(drm->fd, crtcs, connectors, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}

	for (guint i = 0; i < connectors->len; i++) {
		guint32 connector_id = g_array_index(connectors, guint32, i);
		g_autoptr(GArray) modes =
			g_array_new(FALSE, TRUE, sizeof(struct drm_mode_modeinfo));
		g_autoptr(GArray) encoders = g_array_new(FALSE, TRUE, sizeof(guint32));
		g_autoptr(GError) error_local = NULL;
		g_autofree gchar *conn_name = NULL;
		struct drm_mode_get_connector conn = { 0 };
		const struct drm_mode_modeinfo *mode;
		CdRenderDrmOutput *out;
		CdDisplayOutput *output;
		guint32 crtc_id;

		if (!cd_drm_get_connector(drm->fd,
					  connector_id,
					  &conn,
					  modes,
					  encoders,
					  &error_local)) {
			if (error_local != NULL)
				g_string_append_printf(skipped, "; %s", error_local->message);
			continue;
		}
		conn_name =
			g_strdup_printf("%s-%u",
					conn.connector_type < G_N_ELEMENTS(cd_drm_connector_types)
						? cd_drm_connector_types[conn.connector_type]
						: "Unknown",
					conn.connector_type_id);
		mode = cd_drm_preferred_mode(modes);
		if (mode->hdisplay == 0 || mode->vdisplay == 0 ||
		    mode->hdisplay > CD_CANVAS_MAX_SIDE || mode->vdisplay > CD_CANVAS_MAX_SIDE) {
			g_string_append_printf(skipped,
					       "; %s: a mode of %ux%u",
					       conn_name,
					       mode->hdisplay,
					       mode->vdisplay);
			continue;
		}
		crtc_id = cd_drm_pick_crtc(drm->fd, &conn, encoders, crtcs, used);
		if (crtc_id == 0) {
			g_string_append_printf(skipped, "; %s: no free CRTC", conn_name);
			continue;
		}
		out = cd_render_drm_output_new(drm, crtc_id, connector_id, mode, &error_local);
		if (out == NULL) {
			g_string_append_printf(skipped,
					       "; %s: %s",
					       conn_name,
					       error_local->message);
			continue;
		}
		g_array_append_val(used, crtc_id);
		output = cd_display_add_output(self, conn_name, mode->hdisplay, mode->vdisplay);
		output->present = cd_render_drm_present;
		output->priv = out;
		output->priv_free = (GDestroyNotify)cd_render_drm_output_free;
	}
	if (self->outputs->len == 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_FOUND,
			    "%s: no connected display could be set up%s",
			    path,
			    skipped->str);
		return NULL;
	}
	return g_steal_pointer(&self);
}
