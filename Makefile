# rfm: RFM customer value tiers inside PostgreSQL (PGXS build).

EXTENSION    = rfm
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" rfm.control)

MODULE_big   = rfm
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script is assembled from small per-topic files in src/sql,
# applied in file-name order.
SQL_PARTS    = $(sort $(wildcard src/sql/*.sql))
DATA_built   = rfm--$(EXTVERSION).sql
DATA         = $(filter-out rfm--$(EXTVERSION).sql,$(wildcard rfm--*.sql))

# pg_regress: every sql/NAME.sql compared with expected/NAME.out.
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=rfm

PG_CFLAGS   += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
EXTRA_CLEAN  = rfm--$(EXTVERSION).sql

PG_CONFIG   ?= pg_config
PGXS        := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

rfm--$(EXTVERSION).sql: $(SQL_PARTS) rfm.control Makefile
	( printf '%s\n' '-- Generated from src/sql/*.sql by make; edit those files instead.' \
	    '\echo Use "CREATE EXTENSION rfm" to load this file. \quit'; \
	  for f in $(SQL_PARTS); do echo; echo "-- ---- $$f"; cat $$f; done ) > $@

# pgTAP behaviour tests (test/*.sql), run with pg_prove in a fresh database.
TAP_DB ?= rfm_tap
prove:
	dropdb --if-exists $(TAP_DB)
	createdb $(TAP_DB)
	psql -X -q -v ON_ERROR_STOP=1 -d $(TAP_DB) -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION rfm'
	pg_prove -v -d $(TAP_DB) --ext .sql -r test/

.PHONY: prove
