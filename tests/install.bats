#!/usr/bin/env bats
# make install: commands, library, headers, pkg-config file, man pages, completions

load helpers

setup() { mkspool; }
teardown() { rmspool; }

@test "install: DESTDIR and PREFIX are honoured; a program builds against the library" {
	top=$BATS_TEST_DIRNAME/..
	# a plain build, even when the suite runs under make check SAN=1
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top" --no-print-directory \
		install SAN= DESTDIR="$T/root" PREFIX=/usr
	assert_success
	for c in fflush-add fflush-send fflush-refresh fflush-list; do
		[ -x "$T/root/usr/bin/$c" ]
	done
	[ -f "$T/root/usr/lib/libfastflush.a" ]
	[ -f "$T/root/usr/lib/libfastflush.so.0" ]
	[ -f "$T/root/usr/include/fastflush/fastflush.h" ]
	[ -f "$T/root/usr/lib/pkgconfig/fastflush.pc" ]
	for m in "$top"/man/*.[1-8]; do
		[ -e "$m" ] || continue
		s=${m##*.}
		[ -f "$T/root/usr/share/man/man$s/${m##*/}" ]
	done
	[ -f "$T/root/usr/share/bash-completion/completions/fastflush" ]
	[ -f "$T/root/usr/share/zsh/vendor-completions/_fastflush" ]
	cat > "$T/prog.c" <<-'EOF2'
	#include <fastflush/fastflush.h>
	#include <stdio.h>
	int main(void) {
		char name[FF_QID_MAX + 1];
		struct ff_err e;
		if (ff_site_to_logname("Bücher.Example", 15, name, &e) < 0) return 1;
		puts(name);
		return 0;
	}
	EOF2
	flags=$(PKG_CONFIG_PATH="$T/root/usr/lib/pkgconfig" \
		pkg-config --define-variable=prefix="$T/root/usr" --cflags --libs fastflush)
	# a consumer gets our include directories only, not our dependencies' flags
	run env PKG_CONFIG_PATH="$T/root/usr/lib/pkgconfig" \
		pkg-config --define-variable=prefix="$T/root/usr" --cflags fastflush
	assert_output --regexp "^-I$T/root/usr/include -I$T/root/usr/include/fastflush *$"
	run cc -o "$T/prog" "$T/prog.c" $flags -Wl,-rpath,"$T/root/usr/lib"
	assert_success
	run "$T/prog"
	assert_success
	assert_output xn__bcher_kva_example
}

@test "install-postfix: fflushd and scache-ctl land in daemon_directory; uninstall-postfix removes only ours" {
	top=$BATS_TEST_DIRNAME/..
	mk() {
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top" --no-print-directory \
			SAN= DESTDIR="$T/root" PREFIX=/usr POSTFIX_DAEMON_DIR=/usr/lib/postfix/sbin "$@"
	}
	# no such directory: Postfix is not installed there
	run mk install-postfix
	assert_failure
	assert_output --partial "no directory $T/root/usr/lib/postfix/sbin"
	mkdir -p "$T/root/usr/lib/postfix/sbin"
	run mk install-postfix
	assert_success
	for c in fflushd scache-ctl; do
		cmp "$T/root/usr/bin/$c" "$T/root/usr/lib/postfix/sbin/$c"
	done
	[ "$(stat -c %a "$T/root/usr/lib/postfix/sbin/fflushd")" = 755 ]
	# someone else's scache-ctl stays
	rm "$T/root/usr/lib/postfix/sbin/scache-ctl"
	printf '#!/bin/sh\n' > "$T/root/usr/lib/postfix/sbin/scache-ctl"
	run mk uninstall-postfix
	assert_success
	assert_output --partial "scache-ctl is not fastflush's; left alone"
	[ ! -e "$T/root/usr/lib/postfix/sbin/fflushd" ]
	[ -e "$T/root/usr/lib/postfix/sbin/scache-ctl" ]
}
