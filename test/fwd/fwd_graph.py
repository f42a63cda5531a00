#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""fwd_graph.py: the include and call graph of ipoib-fwd, by module.

A module is a .c file with its header (fwd_x.c + fwd_x.h; fwd.h goes with
fwd_state.c; a header without a .c, such as fwd_engine.h, is a module).
Module A reaches module B when a file of A includes a header of B, or
uses a function or variable that B defines (a call, or a reference such
as a callback or an engine in the table). Prints, for each module, the
modules it reaches and what it uses of them, then fails (exit 1) when a
module reaches, directly or not, a module that reaches it (a cycle).

Usage: fwd_graph.py [SRC_DIR]   (default: app/ipoib-fwd of this tree)
"""

import glob
import os
import re
import sys

HEADER_OWNER = {"fwd": "fwd_state"}
IDENT = re.compile(r"[A-Za-z_]\w*")


def strip(text):
    """Remove comments, strings and character constants."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return re.sub(r"'(\\.|[^'\\\n])*'", "''", text)


def module_of(path, names):
    """The module a file belongs to."""
    base = os.path.splitext(os.path.basename(path))[0]
    if path.endswith(".h") and base not in names:
        return HEADER_OWNER.get(base, base)
    return base


def top_level(text):
    """The file-scope statements: (text before any brace, opens a body)."""
    out, depth, cur = [], 0, []
    for ch in text:
        if depth == 0:
            if ch in ";{":
                out.append(("".join(cur), ch == "{"))
                cur = []
            elif ch != "}":
                cur.append(ch)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
    return out


def definitions(path, text):
    """What a file defines for others: non-static functions and
    variables, and static inline functions of a header."""
    defs = set()
    for stmt, body in top_level(text):
        stmt = re.sub(r"#[^\n]*", " ", stmt).strip()
        if not stmt or re.match(r"(extern|typedef)\b", stmt):
            continue
        local = re.match(r"static\b", stmt) and not (
            path.endswith(".h") and "inline" in stmt)
        m = re.match(r"[^(=]*?\b([A-Za-z_]\w*)\s*\(", stmt)
        if body and m and "=" not in stmt.split("(")[0]:
            if not local:
                defs.add(m.group(1))         # a function
            continue
        if local or (re.match(r"(struct|enum|union)\b", stmt) and
                     "=" not in stmt and body):
            continue                         # a type, or file-local
        m = re.match(r"([^=\[]*?)\b([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*(=|$)",
                     stmt)
        if m:
            defs.add(m.group(2))             # a variable
    return defs


def main():
    """Print the graph; exit 1 on a cycle."""
    here = os.path.dirname(os.path.realpath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "app", "ipoib-fwd")
    paths = sorted(glob.glob(os.path.join(src, "*.[ch]")))
    if not paths:
        print("fwd_graph: no sources in %s" % src)
        return 2
    names = {os.path.splitext(os.path.basename(p))[0]
             for p in paths if p.endswith(".c")}
    texts = {p: strip(open(p).read()) for p in paths}
    owner = {}
    for p in paths:
        for d in definitions(p, texts[p]):
            owner[d] = module_of(p, names)
    edges = {}
    for p in paths:
        mod = module_of(p, names)
        out = edges.setdefault(mod, {})
        raw = open(p).read()
        for inc in re.findall(r'#include\s+"([^"]+)"', raw):
            if os.path.exists(os.path.join(src, inc)):
                target = module_of(inc, names)
                if target != mod:
                    out.setdefault(target, set()).add("#include " + inc)
        # struct/enum/union tags are types, not uses of a function
        used = set(IDENT.findall(re.sub(r"\b(struct|enum|union)\s+\w+",
                                        " ", texts[p])))
        # the engine table names its engines through an X-macro
        for m in re.finditer(r"#define\s+FWD_ENGINES\(X\)(.*)", raw):
            used |= {"fwd_engine_" + n for n in re.findall(r"X\((\w+)\)",
                                                          m.group(1))}
        for ident in used:
            target = owner.get(ident)
            if target is not None and target != mod:
                out.setdefault(target, set()).add(ident)
    for mod in sorted(edges):
        reach = edges[mod]
        print("%s -> %s" % (mod, ", ".join(sorted(reach)) or "(nothing)"))
        for target in sorted(reach):
            print("    %s: %s" % (target, " ".join(sorted(reach[target]))))
    # a cycle: a module reachable from one of the modules it reaches
    cycles = []
    for start in sorted(edges):
        seen, stack, parent = {start}, [start], {}
        while stack:
            node = stack.pop()
            for nxt in edges.get(node, {}):
                if nxt == start:
                    path, cur = [start], node
                    while cur != start:
                        path.append(cur)
                        cur = parent[cur]
                    path.append(start)
                    cycles.append(" -> ".join([start] + path[1:-1][::-1] +
                                              [start]))
                    stack = []
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    parent[nxt] = node
                    stack.append(nxt)
    if cycles:
        for c in cycles:
            print("fwd_graph: cycle: %s" % c)
        return 1
    print("fwd_graph: %d modules, no cycle" % len(edges))
    return 0


if __name__ == "__main__":
    sys.exit(main())
