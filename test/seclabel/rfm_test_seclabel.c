/*
 * rfm_test_seclabel: a security label provider for rfm's tests only, never
 * installed by rfm itself.  PostgreSQL's own test provider (dummy_seclabel)
 * is not packaged, and sepgsql needs SELinux; the tests need some provider
 * to put a label on a tier table (test/tiers_seclabel.sql).
 *
 * LOAD 'rfm_test_seclabel' registers the provider "rfm_test", which accepts
 * the labels 'public' and 'secret' (and NULL, to remove one) on any object
 * and enforces nothing.
 */
#include "postgres.h"

#include "commands/seclabel.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static void
rfm_test_relabel(const ObjectAddress *object, const char *seclabel)
{
	if (seclabel == NULL ||
		strcmp(seclabel, "public") == 0 ||
		strcmp(seclabel, "secret") == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_NAME),
			 errmsg("rfm_test: invalid security label \"%s\"", seclabel)));
}

void
_PG_init(void)
{
	register_label_provider("rfm_test", rfm_test_relabel);
}
