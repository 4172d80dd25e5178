# fastflush - fast flush (ETRN) and connection cache tools for a Postfix spool
#
# Targets: all check demo bench torture install install-postfix uninstall-postfix clean lint
# Knobs:   CC=clang  SAN=1 (ASan+UBSan)  WERROR=1  VALGRIND=1 (run unit tests and
#          commands under valgrind)  PREFIX=/usr/local  DESTDIR=

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC        ?= cc
B         := build
# the table libraries: Berkeley DB (hash:, btree:; no .pc file), LMDB,
# tinycdb and PCRE2, as Postfix's own table modules use them. The programs
# load them with dlopen(3) when a table first needs one (lib/util/dynlib.h), by
# the SONAME read here from the library the build would link; only the unit
# tests, which write tables, link them.
DEPS_PKGS  := libbsd-overlay libidn2
TABLE_PKGS := lmdb libcdb libpcre2-8
PKG_CFLAGS = $(shell pkg-config --cflags $(DEPS_PKGS) $(TABLE_PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(DEPS_PKGS) 2>/dev/null) -ldl -pthread
TABLE_LIBS = $(shell pkg-config --libs $(TABLE_PKGS) 2>/dev/null) -ldb
soname = $(shell objdump -p "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | \
	   awk '$$1 == "SONAME" { print $$2 }')
sodef = $(if $(2),-DFF_SONAME_$(1)='"$(2)"')
SONAMES   := $(call sodef,DB,$(call soname,db)) $(call sodef,LMDB,$(call soname,lmdb)) \
	     $(call sodef,CDB,$(call soname,cdb)) $(call sodef,PCRE2,$(call soname,pcre2-8))

WARN      := -Wall -Wextra -Wformat=2 -Wvla -Wshadow \
             -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
             -Wcast-qual -Wno-unused-parameter
OPT       ?= -O2 -g
CFLAGS    ?=
# -Werror only where we choose the compiler: make check and CI (WERROR=1);
# a packager's newer compiler may warn where ours did not
ifeq ($(WERROR),1)
WARN      += -Werror
endif
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -fvisibility=hidden -DFF_VERSION='"$(VERSION)"' $(OPT) $(WARN) \
             -fPIC -fstack-protector-strong -Ilib $(PKG_CFLAGS) $(SONAMES) $(CFLAGS)
LDFLAGS   ?=
ALL_LDFLAGS := $(LDFLAGS)
ifeq ($(SAN),1)
ALL_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=address,undefined
B := build-san
endif

# lib/LAYER/*.c: the layers, bottom to top (README, Layout; tests/layers.sh)
LAYERS    := util postfix flush scache server
LIB_SRCS  := $(sort $(foreach l,$(LAYERS),$(wildcard lib/$(l)/*.c)))
LIB_OBJS  := $(LIB_SRCS:lib/%.c=$(B)/lib/%.o)
LIB_HDRS  := $(filter-out %_int.h,$(foreach l,$(LAYERS),$(wildcard lib/$(l)/*.h)))
CMDS      := $(notdir $(basename $(wildcard cmd/*.c)))
CMD_BINS  := $(CMDS:%=$(B)/bin/%)
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
# tests/tools/NAME_shim.c: an LD_PRELOAD shim, built as $(B)/tests/tools/NAME.so
SHIM_SRCS := $(sort $(wildcard tests/tools/*_shim.c))
TOOL_SRCS := $(filter-out $(SHIM_SRCS),$(sort $(wildcard tests/tools/*.c)))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(B)/tests/tools/%) \
	     $(SHIM_SRCS:tests/tools/%_shim.c=$(B)/tests/tools/%.so)
BATS_FILES := $(sort $(wildcard tests/*.bats))
INTEROP_BATS := $(sort $(wildcard tests/interop/*.bats))

.PHONY: fuzz all check check-run unit bats interop demo demo-run bench bench-run torture install uninstall install-postfix uninstall-postfix clean lint tools
.DELETE_ON_ERROR:

all: $(B)/libfastflush.a $(B)/libfastflush.so.0 $(CMD_BINS)

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libfastflush.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/libfastflush.so.0: $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libfastflush.so.0 $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# the .pc file is written at install time, for the PREFIX given then
define PCFILE
prefix=$(PREFIX)
libdir=$(patsubst $(PREFIX)%,$${prefix}%,$(LIBDIR))
includedir=$(patsubst $(PREFIX)%,$${prefix}%,$(INCDIR))

Name: fastflush
Description: fast flush (ETRN) logfiles and connection cache for a Postfix spool
Version: $(VERSION)
Cflags: -I$${includedir} -I$${includedir}/fastflush
Libs: -L$${libdir} -lfastflush
Libs.private: -lbsd -lidn2 -ldl -pthread
endef
export PCFILE

$(B)/bin/%: cmd/%.c $(B)/libfastflush.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(B)/libfastflush.a $(PKG_LIBS)

$(B)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(B)/libfastflush.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(B)/libfastflush.a $(PKG_LIBS) \
	  $(TABLE_LIBS)

$(B)/tests/tools/%: tests/tools/%.c $(B)/libfastflush.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) -o $@ $< $(B)/libfastflush.a $(PKG_LIBS)

$(B)/tests/tools/%.so: tests/tools/%_shim.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fvisibility=default -shared -o $@ $< -ldl

tools: $(TOOL_BINS)

# make check: every test. tests/deps.sh installs what is missing (as root,
# with apt-get) or names it. Unit tests first (fast, precise), then the
# command tests, then the differential tests against the real Postfix.
check:
	@tests/deps.sh test
	@$(MAKE) --no-print-directory check-run WERROR=1
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) WERROR=1

check-run: all $(UNIT_BINS) $(TOOL_BINS)
	@tests/layers.sh $(B)
	@tests/api.py $(B)
	@VALGRIND=$(VALGRIND) tests/run-unit.sh $(UNIT_BINS)
	FF_BUILD=$(CURDIR)/$(B) FF_VALGRIND=$(VALGRIND) bats $(BATS_FILES) $(INTEROP_BATS)

unit: all $(UNIT_BINS)
	@VALGRIND=$(VALGRIND) tests/run-unit.sh $(UNIT_BINS)

bats: all $(TOOL_BINS)
	FF_BUILD=$(CURDIR)/$(B) FF_VALGRIND=$(VALGRIND) bats $(BATS_FILES)

interop: all $(TOOL_BINS)
	FF_BUILD=$(CURDIR)/$(B) bats $(INTEROP_BATS)

demo:
	@tests/deps.sh build
	@$(MAKE) --no-print-directory demo-run

demo-run: all $(TOOL_BINS)
	@FF_BUILD=$(CURDIR)/$(B) examples/demo.sh

bench:
	@tests/deps.sh test
	@$(MAKE) --no-print-directory bench-run

bench-run: all $(TOOL_BINS)
	@FF_BUILD=$(CURDIR)/$(B) tests/bench/run.sh

# make torture: random kill -9 (and SIGSTOP) during concurrent adds, sends,
# refreshes, compactions and fflushd requests on one spool for
# TORTURE_SECONDS, then a clean pass and the invariant (tests/torture.sh,
# tests/tools/torture.c); exits non-zero on any violation. Not part of
# make check. TORTURE_PIN=1: one CPU, kills right after a write land
# before the writer's next system call.
TORTURE_SECONDS ?= 120

torture: all $(B)/tests/tools/torture $(B)/tests/tools/tear.so
	@FF_BUILD=$(CURDIR)/$(B) TORTURE_SECONDS=$(TORTURE_SECONDS) tests/torture.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/fastflush \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(CMD_BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(B)/libfastflush.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/libfastflush.so.0 $(DESTDIR)$(LIBDIR)/
	ln -sf libfastflush.so.0 $(DESTDIR)$(LIBDIR)/libfastflush.so
	install -m 644 lib/fastflush.h $(DESTDIR)$(INCDIR)/fastflush/
	for h in $(LIB_HDRS); do d=$$(dirname "$${h#lib/}"); \
	  install -d $(DESTDIR)$(INCDIR)/fastflush/$$d && \
	  install -m 644 $$h $(DESTDIR)$(INCDIR)/fastflush/$$d/ || exit 1; done
	printf '%s\n' "$$PCFILE" > $(DESTDIR)$(PKGCONFIGDIR)/fastflush.pc
	for m in man/*.[1-8]; do [ -e "$$m" ] || continue; s=$${m##*.}; \
	  install -d $(DESTDIR)$(MANDIR)/man$$s; \
	  install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	install -m 644 completions/fastflush.bash $(DESTDIR)$(BASHCOMPDIR)/fastflush
	for c in $(CMDS); do ln -sf fastflush $(DESTDIR)$(BASHCOMPDIR)/$$c; done
	install -m 644 completions/_fastflush $(DESTDIR)$(ZSHCOMPDIR)/_fastflush

uninstall:
	for c in $(CMDS); do rm -f $(DESTDIR)$(BINDIR)/$$c $(DESTDIR)$(BASHCOMPDIR)/$$c; done
	rm -f $(DESTDIR)$(LIBDIR)/libfastflush.* $(DESTDIR)$(PKGCONFIGDIR)/fastflush.pc
	rm -rf $(DESTDIR)$(INCDIR)/fastflush
	rm -f $(DESTDIR)$(BASHCOMPDIR)/fastflush $(DESTDIR)$(ZSHCOMPDIR)/_fastflush
	for m in man/*.[1-8]; do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done

# make install-postfix: fflushd and scache-ctl where Postfix's master(8)
# runs master.cf's commands from (daemon_directory): hard links to the
# installed programs, or copies across file systems. Then change the
# command of master.cf's flush and scache lines (see fflushd(8)).
# make uninstall-postfix removes them again (only files that are ours).
POSTFIX_DAEMON_DIR ?= $(shell postconf -h daemon_directory 2>/dev/null || echo /usr/lib/postfix/sbin)
POSTFIX_CMDS := fflushd scache-ctl

install-postfix: install
	@test -d "$(DESTDIR)$(POSTFIX_DAEMON_DIR)" || { echo "install-postfix:" \
	  "no directory $(DESTDIR)$(POSTFIX_DAEMON_DIR) (is Postfix installed? POSTFIX_DAEMON_DIR=...)" >&2; exit 1; }
	for c in $(POSTFIX_CMDS); do \
	  ln -f "$(DESTDIR)$(BINDIR)/$$c" "$(DESTDIR)$(POSTFIX_DAEMON_DIR)/$$c" 2>/dev/null || \
	  install -m 755 "$(DESTDIR)$(BINDIR)/$$c" "$(DESTDIR)$(POSTFIX_DAEMON_DIR)/$$c" || exit 1; done
	@echo "install-postfix: in master.cf, make fflushd the command of the flush line and"
	@echo "install-postfix: scache-ctl that of the scache line, then run: postfix reload"

uninstall-postfix:
	@for c in $(POSTFIX_CMDS); do f="$(DESTDIR)$(POSTFIX_DAEMON_DIR)/$$c"; \
	  [ -e "$$f" ] || continue; \
	  if grep -qa '(fastflush)' "$$f"; then rm -f "$$f" && echo "removed $$f"; \
	  else echo "uninstall-postfix: $$f is not fastflush's; left alone" >&2; fi; done
	@if [ -z "$(DESTDIR)" ] && postconf -M 2>/dev/null | grep -Eq '[[:space:]](fflushd|scache-ctl)([[:space:]]|$$)'; then \
	  echo "uninstall-postfix: master.cf still runs fflushd or scache-ctl: restore the" \
	    "commands flush and scache, then run: postfix reload" >&2; fi

# make fuzz: libFuzzer targets for every parser (clang), FUZZ_SECONDS each;
# make check runs them for FUZZ_CHECK_SECONDS each
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 5
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS = -std=c17 -D_GNU_SOURCE -DFF_VERSION='"$(VERSION)"' -g -O1 -Ilib $(PKG_CFLAGS) $(SONAMES) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_OBJS := $(LIB_SRCS:lib/%.c=build-fuzz/lib/%.o)

build-fuzz/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

build-fuzz/libfuzzlib.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libfuzzlib.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libfuzzlib.a $(PKG_LIBS)

fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
	@for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
	  mkdir -p build-fuzz/corpus-$$n; cp tests/fuzz/seeds/$$n/* build-fuzz/corpus-$$n/ 2>/dev/null; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=5 \
	    build-fuzz/corpus-$$n 2>build-fuzz/$$n.log || { tail -40 build-fuzz/$$n.log; exit 1; }; \
	  grep -E '^(#[0-9]+.*DONE|Done)' build-fuzz/$$n.log | tail -1; \
	done

lint: $(LIB_OBJS) $(B)/libfastflush.so.0
	tests/layers.sh $(B)
	tests/api.py $(B)
	for m in man/*.[1-8]; do mandoc -Tlint -W warning $$m || exit 1; done
	shellcheck -x tests/*.sh tests/bench/*.sh examples/*.sh examples/scache.init \
	  examples/scache.runit/run examples/scache.runit/log/run completions/fastflush.bash .ci/run

clean:
	rm -rf build build-san build-fuzz

-include $(FUZZ_OBJS:.o=.d) $(LIB_OBJS:.o=.d) $(CMD_BINS:=.d) $(UNIT_BINS:=.d) $(TOOL_BINS:=.d)
