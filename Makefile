# rfm: RFM customer value tiers inside PostgreSQL (PGXS build).

EXTENSION    = rfm
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" rfm.control)

MODULE_big   = rfm
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script is assembled from small per-topic files in src/sql,
# applied in file-name order.
SQL_PARTS    = $(sort $(wildcard src/sql/*.sql))

# Versions (README, "Upgrading").  0.1.0 is released and frozen: the
# checked-in rfm--0.1.0.sql holds exactly the objects of BASE_PARTS as
# released.  The upgrade script to the current version is every part added
# after it (05, and 20 and up), so change a released object with
# CREATE OR REPLACE / ALTER in a new part, never by editing BASE_PARTS.
# test/shell/release_upgrade.sh proves fresh install == upgraded install.
BASE_VERSION = 0.1.0
BASE_PARTS   = src/sql/10_summarize.sql src/sql/15_summary_helpers.sql
UPGRADE_PARTS = $(filter-out $(BASE_PARTS),$(SQL_PARTS))
UPGRADE_SQL  = rfm--$(BASE_VERSION)--$(EXTVERSION).sql

DATA_built   = rfm--$(EXTVERSION).sql $(UPGRADE_SQL)
DATA         = $(filter-out $(DATA_built),$(wildcard rfm--*.sql))

# pg_regress: every sql/NAME.sql compared with expected/NAME.out.
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=rfm

PG_CFLAGS   += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

PG_CONFIG   ?= pg_config
PGXS        := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# rfm.so is installed by rename, never written in place: backends that
# have it loaded keep running the old file (scripts/install-shlib.sh).
INSTALL_SHLIB = $(SHELL) $(srcdir)/scripts/install-shlib.sh

# Every object is rebuilt when any of our headers changes: PGXS tracks
# header dependencies only in a server built with --enable-depend, and an
# object left compiled against an old struct layout corrupts memory.
$(OBJS): $(wildcard src/*.h)

rfm--$(EXTVERSION).sql: $(SQL_PARTS) rfm.control Makefile
	( printf '%s\n' '-- Generated from src/sql/*.sql by make; edit those files instead.' \
	    '\echo Use "CREATE EXTENSION rfm" to load this file. \quit'; \
	  for f in $(SQL_PARTS); do echo; echo "-- ---- $$f"; cat $$f; done ) > $@

# Upgrade from the released version: the parts added since.  Never
# DROP ... CASCADE here (it would drop users' views): a warning here, a
# failure in test/shell/release_upgrade.sh.  The guard makes psql refuse
# to run it directly.
$(UPGRADE_SQL): $(SQL_PARTS) rfm.control Makefile
	( printf '%s\n' '-- Generated from src/sql/*.sql by make: upgrade $(BASE_VERSION) -> $(EXTVERSION).' \
	    '\echo Use "ALTER EXTENSION rfm UPDATE TO '"'"'$(EXTVERSION)'"'"'" to load this file. \quit'; \
	  for f in $(UPGRADE_PARTS); do echo; echo "-- ---- $$f"; cat $$f; done ) > $@
	@sed 's/--.*//' $@ | grep -Eiq '^[[:space:]]*drop[^;]*cascade' && \
	  echo "WARNING: $@ has DROP ... CASCADE; test/shell/release_upgrade.sh will fail" >&2 || true

# pgTAP behaviour tests (test/*.sql), run with pg_prove in a fresh database.
TAP_DB ?= rfm_tap
prove:
	dropdb --if-exists --force $(TAP_DB)
	createdb $(TAP_DB)
	psql -X -q -v ON_ERROR_STOP=1 -d $(TAP_DB) -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION rfm'
	pg_prove -v -d $(TAP_DB) --ext .sql -r test/

.PHONY: prove

# Modules only the tests load (test/seclabel: a security label provider,
# as PostgreSQL's own dummy_seclabel is not packaged).  Installed next to
# rfm by .ci/run; never part of `make install`.
TEST_MODULES = test/seclabel
install-test-modules:
	for d in $(TEST_MODULES); do $(MAKE) -C $$d PG_CONFIG=$(PG_CONFIG) install || exit 1; done
clean: clean-test-modules
clean-test-modules:
	for d in $(TEST_MODULES); do $(MAKE) -C $$d PG_CONFIG=$(PG_CONFIG) clean || exit 1; done

.PHONY: install-test-modules clean-test-modules

# Warnings are errors: compile every src/*.c with the flags above plus
# -Werror into a scratch directory (the tree's objects are not touched).
# -Wno-unused-parameter / -Wno-missing-field-initializers stay because
# PostgreSQL's own headers trip them under -Wextra.
check-werror:
	@d=$$(mktemp -d); status=0; \
	for f in $(OBJS:.o=.c); do \
	  $(CC) $(CFLAGS) -Werror $(CPPFLAGS) -c -o $$d/out.o $$f || { echo "check-werror: $$f"; status=1; }; \
	done; rm -rf $$d; \
	[ $$status -eq 0 ] && echo "check-werror: $(words $(OBJS)) files compile with -Wall -Wextra -Werror"; exit $$status

# Regression suite against a server running under valgrind memcheck
# (private copy of PostgreSQL, private cluster); see scripts/check-valgrind.sh.
check-valgrind:
	bash scripts/check-valgrind.sh

.PHONY: check-werror check-valgrind

# Build with the warnings above as errors against PostgreSQL 13, 14, 16, 17
# and 18 and run the tests on each (borrowed headers and servers; see
# scripts/check-versions.sh).  VERSIONS="16" for one.
check-versions: all
	bash scripts/check-versions.sh $(VERSIONS)

# The C flags check-werror adds -Werror to (scripts/check-versions.sh
# builds with the same ones against other versions' headers).
print-cflags:
	@echo '$(CFLAGS)'

.PHONY: check-versions print-cflags

# Benchmark (bench/run.sh): NTILE pipeline vs rfm's whole-table path on
# seeded synthetic orders in a throwaway cluster; BENCH_ORDERS scales it.
bench:
	bash bench/run.sh

.PHONY: bench
