/*
 * import.h - the registers a team keeps in spreadsheets, as muster reads
 * them (muster import) and writes them back (muster export): which event a
 * row of each kind becomes, which columns it has and what they may be
 * called in a sheet (docs/IMPORT.md).
 */
#ifndef MUSTER_IMPORT_H
#define MUSTER_IMPORT_H

#include "equip_cli.h"

/* A column: the field it fills, its heading in an export, and other headings that name it ('|' between). */
struct imp_col {
	unsigned tag;
	const char *head;
	const char *aliases;
};

struct imp_kind {
	const char *name, *zh; /* "assets", "装备" */
	uint64_t type;         /* the event a row becomes */
	uint64_t update;       /* the event that corrects a registered row, 0: none */
	unsigned keys[4];      /* the fields that name a row (asset id; person, kind, number, item…); none: the whole row */
	const struct imp_col *cols;
};

/* The kind called name ("assets"; "asset" too), or NULL. */
const struct imp_kind *imp_kind_find(const char *name);
/* "teams, depots, assets, people, certs, exams, spending". */
const char *imp_kind_list(void);

/*
 * The register of kind k as the log holds it: one record per key, in the
 * order the rows were first added, each with its corrections (the kind's
 * update events) applied.  Records are canonical field-record bodies.
 */
struct imp_reg;
struct imp_reg *imp_reg_load(muster_snap *sn, const struct imp_kind *k, int *rc);
size_t imp_reg_count(const struct imp_reg *g);
/* Record i: body and length, and the entry that added it. */
void imp_reg_row(const struct imp_reg *g, size_t i, const uint8_t **body, size_t *len, uint64_t *index);
/* The registered name of the person with resident ID id[0..n), or NULL. */
const char *imp_reg_person_name(const struct imp_reg *g, const char *id, size_t n);
void imp_reg_free(struct imp_reg *g);

int cmd_import(const struct opts *o);
int cmd_export(const struct opts *o);

#endif
