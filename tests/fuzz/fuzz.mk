# tests/fuzz/fuzz.mk: libFuzzer targets, built with clang by `make fuzz`
# (never part of `make check`).  Every daemon source but main.c is
# compiled once with coverage and sanitizers; each target links the lot.
#
#   make fuzz                      # builds tests/fuzz/fuzz_* in the build dir
#   tests/fuzz/fuzz_parse -max_total_time=600 -rss_limit_mb=2048 CORPUS_DIR
#
CC_FUZZ ?= clang
FUZZ_CFLAGS = -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -iquote $(top_srcdir)/daemon -I$(top_srcdir)/include -I. \
	-DHAVE_CONFIG_H $(LIB_CFLAGS)
FUZZ_LDFLAGS = -fsanitize=fuzzer,address,undefined -pthread
SRCS = $(filter-out $(top_srcdir)/daemon/main.c,$(wildcard $(top_srcdir)/daemon/*.c))
OBJS = $(patsubst $(top_srcdir)/daemon/%.c,tests/fuzz/obj/%.o,$(SRCS))
TARGETS = $(patsubst $(top_srcdir)/tests/fuzz/%.c,tests/fuzz/%,$(wildcard $(top_srcdir)/tests/fuzz/fuzz_*.c))

all: $(TARGETS)

tests/fuzz/obj/%.o: $(top_srcdir)/daemon/%.c
	@mkdir -p tests/fuzz/obj
	$(CC_FUZZ) $(FUZZ_CFLAGS) -c $< -o $@

tests/fuzz/%: $(top_srcdir)/tests/fuzz/%.c $(OBJS)
	$(CC_FUZZ) $(FUZZ_CFLAGS) $(FUZZ_LDFLAGS) $< $(OBJS) $(LIB_LIBS) -o $@

.PHONY: all
.SECONDARY: $(OBJS)
