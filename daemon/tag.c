/* tag.c: STUB (skeleton). */
#include "tag.h"
#include "crier.h"
#include <string.h>
void
post_add_tag(struct arena *a, struct post *p, const char *label, enum tag_origin origin)
{
	size_t i;
	for (i = 0; i < p->n_tags; i++) {
		if (strcmp(p->tags[i].label, label) == 0)
			return;
	}
	if (p->n_tags == p->cap_tags) {
		size_t ncap = p->cap_tags ? p->cap_tags * 2 : 4;
		struct post_tag *nt = arena_alloc(a, ncap * sizeof(*nt));
		if (p->n_tags)
			memcpy(nt, p->tags, p->n_tags * sizeof(*nt));
		p->tags = nt;
		p->cap_tags = ncap;
	}
	p->tags[p->n_tags].label = arena_strdup(a, label);
	p->tags[p->n_tags].origin = origin;
	p->n_tags++;
}
