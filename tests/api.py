#!/usr/bin/env python3
"""tests/api.py - what libfastflush.so exports is what its headers document

    tests/api.py [BUILD_DIR]

Every symbol the shared library exports (nm -D; only declarations marked
FF_API are, util/api.h) must be declared FF_API in an installed header
(lib/*/*.h but *_int.h) and listed in the SYNOPSIS at the top of that
same header, with the return type (or the type, for a variable) the
declaration has. Every SYNOPSIS line must sit inside the comment (a
" *" line). Prints each problem and exits 1.
"""
import glob
import os
import re
import subprocess
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
build = sys.argv[1] if len(sys.argv) > 1 else 'build'
so = os.path.join(top, build, 'libfastflush.so.0')
if not os.path.exists(so):
    sys.exit('api: no %s (make first)' % so)
out = subprocess.check_output(['nm', '-D', '--defined-only', so], text=True)
# what a sanitizer build adds (__odr_asan.NAME, ...) is not ours
exported = sorted({l.split()[2] for l in out.splitlines()
                   if len(l.split()) == 3 and l.split()[1] in 'TDBRV'
                   and not re.match(r'__(odr_asan|asan|ubsan|sanitizer|tsan|msan)', l.split()[2])})


def norm(t):
    t = re.sub(r'\b(extern|FF_API)\b', ' ', t)
    t = re.sub(r'\s*\*\s*', '*', t)
    return ' '.join(t.split())


problems = []
declared = {}   # name -> (header, type)
synopsis = {}   # header -> {name: type}
for h in sorted(glob.glob(os.path.join(top, 'lib', '*', '*.h'))):
    if h.endswith('_int.h'):
        continue
    rel = os.path.relpath(h, os.path.join(top, 'lib'))
    text = open(h).read()
    end = text.index('*/')
    comment, body = text[:end], text[end:]
    m = re.search(r'\n \* SYNOPSIS\n(.*?)\n \*( [A-Z]|/)', comment + '\n * /', re.S)
    syn = {}
    if m:
        for line in m.group(1).split('\n'):
            if not line.startswith(' *'):
                problems.append('%s: SYNOPSIS line outside the comment: %s' % (rel, line))
                continue
            n = re.match(r'\s*(.*?)\b(ff_\w+)\s*(\(|;|\[)', line[2:])
            if n and re.match(r'[A-Za-z_]', n.group(1) or ''):
                syn.setdefault(n.group(2), norm(n.group(1)))
    synopsis[rel] = syn
    for line in re.findall(r'^FF_API [^\n]*', body, re.M):
        n = re.match(r'FF_API\s+(.*?)\b(ff_\w+)\s*(\(|;|\[)', line)
        if n is None:
            problems.append('%s: cannot read the declaration: %s' % (rel, line))
            continue
        declared[n.group(2)] = (rel, norm(n.group(1)))
for name in exported:
    if name not in declared:
        problems.append('%s: exported but not declared FF_API in an installed header' % name)
        continue
    rel, typ = declared[name]
    syn = synopsis.get(rel, {})
    if name not in syn:
        problems.append('%s: %s is not in its SYNOPSIS' % (rel, name))
    elif syn[name] != typ:
        problems.append('%s: SYNOPSIS says %s is "%s", the declaration "%s"' % (rel, name, syn[name], typ))
for name in sorted(set(declared) - set(exported)):
    problems.append('%s: %s is declared FF_API but not exported (not defined?)' % (declared[name][0], name))
for p in problems:
    print('api: ' + p, file=sys.stderr)
if problems:
    sys.exit(1)
print('api: %d exported symbols, each in its header\'s SYNOPSIS' % len(exported))
