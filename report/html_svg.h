/* The HTML report's drawing (html_svg.c): one inline SVG per run, every
 * target on one time axis, drawn from the finished analysis. Layout (where a
 * label goes, how many pixels a second is) is decided here; no figure is. */
#ifndef REP_HTML_SVG_H
#define REP_HTML_SVG_H

#include <stdio.h>

#include "analysis.h"

/* Text from a log (or made from one) as HTML or SVG takes it, in content and
 * in double-quoted attributes alike: markup and quotes as entities, control
 * characters and invalid UTF-8 as '?'. */
void html_text(FILE *f, const char *s);

/* The timeline of one run: an <svg class="timeline"> with its time axis in
 * data attributes (data-origin: Unix seconds of "+0"; data-t0, data-t1: the
 * seconds from it at data-x0, data-x1, in pixels from the SVG's left edge).
 * run numbers the run on the page, for ids that must be unique. */
void html_svg_timeline(FILE *f, const struct analysis *an, int run);

/* The colours' key, as HTML: the classes the timeline draws with. */
void html_svg_legend(FILE *f, const struct analysis *an);

/* The style sheet of what html_svg_timeline draws. */
extern const char html_svg_css[];

#endif
