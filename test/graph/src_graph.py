#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""src_graph.py: the include and call graph of a C source tree, by module.

Usage:
    src_graph.py DIR [--owner HEADER=MODULE ...] [--layers SPEC]

DIR is searched recursively for .c and .h files (so a tree split into
folders by concern works as a flat one; file names must be unique).

A module is a .c file with the header of the same name (x.c + x.h). A
header without a .c of its name is a module of its own, unless
--owner gives it to one: `--owner fwd=fwd_state` puts fwd.h in the
module fwd_state (names without the .c/.h; the option may be repeated,
and one option may hold several pairs separated by commas).

Module A uses module B when a file of A includes a header of B, or uses
a function or variable that B defines (a call, or a reference such as a
callback or an entry of a table; X-macro tables such as
`#define LIST(X) X(a) X(b)` expanded with `#define ENTRY(n) &pre_##n,`
count as uses of pre_a and pre_b). Declaring is not using: a header
with the prototype of a function defined elsewhere does not use it (one
header may be implemented by several files); its callers do.

--layers "low:mod_a,mod_b;mid:mod_c;high:mod_d" orders the modules in
layers, lowest first (each layer a name, a colon and its modules). With
it the check also fails when a module uses a module of a higher layer,
when a module is in no layer (a new file must be placed) and when a
layer names a module that does not exist.

Prints, for each module, the modules it uses and what it uses of them,
then one line per violation ("src_graph: cycle: ...", "src_graph: layer:
...", "src_graph: no layer: ..."). Exit status: 0 when there is none, 1
when there is any (a module reaching, directly or not, a module that
reaches it is a cycle), 2 on bad arguments.

Examples (from the top of the tree):
    test/graph/src_graph.py app/ipoib-fwd --owner fwd=fwd_state
    test/graph/src_graph.py drivers/common/hca --layers \\
        "log:hca_log,hca_dpdk_log;sa:hca_port,hca_sa,..."
    (the whole list of hca_graph is in test/graph/meson.build)
"""

import argparse
import os
import re
import sys

IDENT = re.compile(r"[A-Za-z_]\w*")
PROG = "src_graph"


def strip(text):
    """Remove comments, strings, character constants and C++ guards."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])*'", "''", text)
    # a C++ guard (extern "C" { ... }) is not a scope
    return re.sub(r"#\s*ifdef\s+__cplusplus\b.*?#\s*endif", " ", text,
                  flags=re.S)


def module_of(path, names, owners):
    """The module a file belongs to."""
    base = os.path.splitext(os.path.basename(path))[0]
    if path.endswith(".h") and base not in names:
        return owners.get(base, base)
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


def blank_declarations(text):
    """The text with the name of each file-scope function declaration
    (a prototype) blanked: declaring a function of another module is
    not using it (calling it is)."""
    out, depth, start = list(text), 0, 0
    for i, ch in enumerate(text):
        if depth == 0 and ch in ";{}":
            if ch == ";":
                stmt = re.sub(r"#[^\n]*", lambda m: " " * len(m.group(0)),
                              text[start:i])
                m = re.match(r"[^(=]*?\b([A-Za-z_]\w*)\s*\(", stmt)
                if m and not re.match(r"\s*typedef\b", stmt):
                    for j in range(start + m.start(1), start + m.end(1)):
                        out[j] = " "
            start = i + 1
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
    return "".join(out)


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


def xmacro_uses(raw):
    """Identifiers an X-macro table makes by token pasting: LIST(M)
    with `#define LIST(X) X(a) X(b)` and `#define M(n) ... pre_##n ...`
    uses pre_a and pre_b."""
    text = raw.replace("\\\n", " ")
    lists, pasters = {}, {}
    for m in re.finditer(r"#define\s+(\w+)\((\w+)\)([^\n]*)", text):
        name, arg, body = m.groups()
        items = re.findall(r"\b%s\((\w+)\)" % re.escape(arg), body)
        if items:
            lists[name] = items
        if "##" in body:
            pasters[name] = (arg, body)
    used = set()
    for name, items in lists.items():
        for m in re.finditer(r"\b%s\((\w+)\)" % re.escape(name), text):
            if m.group(1) not in pasters:
                continue
            arg, body = pasters[m.group(1)]
            for item in items:
                out = re.sub(r"\s*##\s*", "##", body)
                out = re.sub(r"\b%s\b" % re.escape(arg), item, out)
                out = re.sub(r"\b(struct|enum|union)\s+\w+", " ",
                             out.replace("##", ""))
                used |= set(IDENT.findall(out))
    return used


def parse_owners(values):
    """--owner values to {header: module}."""
    owners = {}
    for value in values:
        for pair in value.split(","):
            pair = pair.strip()
            if not pair:
                continue
            header, sep, mod = pair.partition("=")
            if not sep or not header.strip() or not mod.strip():
                raise ValueError("--owner wants HEADER=MODULE, not '%s'" %
                                 pair)
            header = re.sub(r"\.h$", "", header.strip())
            owners[header] = re.sub(r"\.c$", "", mod.strip())
    return owners


def parse_layers(spec):
    """--layers SPEC to [(name, [modules])], lowest first."""
    layers = []
    for part in spec.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, mods = part.partition(":")
        if not sep or not name.strip():
            raise ValueError("--layers wants NAME:MOD,MOD;..., not '%s'" %
                             part)
        layers.append((name.strip(),
                       [m.strip() for m in mods.split(",") if m.strip()]))
    if not layers:
        raise ValueError("--layers is empty")
    return layers


def find_sources(src):
    """The .c and .h files under src, sorted; None on a duplicate name."""
    paths = []
    for root, dirs, files in os.walk(src):
        dirs.sort()
        paths += [os.path.join(root, f) for f in files
                  if f.endswith((".c", ".h"))]
    paths.sort()
    seen = {}
    for p in paths:
        base = os.path.basename(p)
        if base in seen:
            print("%s: two files named %s: %s and %s" %
                  (PROG, base, seen[base], p))
            return None
        seen[base] = p
    return paths


def graph(paths, owners):
    """{module: {module it uses: set of what it uses}}."""
    names = {os.path.splitext(os.path.basename(p))[0]
             for p in paths if p.endswith(".c")}
    by_name = {os.path.basename(p): p for p in paths}
    raws = {p: open(p).read() for p in paths}
    texts = {p: strip(raws[p]) for p in paths}
    owner = {}
    for p in paths:
        for d in definitions(p, texts[p]):
            owner[d] = module_of(p, names, owners)
    edges = {}
    for p in paths:
        mod = module_of(p, names, owners)
        out = edges.setdefault(mod, {})
        for inc in re.findall(r'#include\s+"([^"]+)"', raws[p]):
            # every folder is on the include path: resolve by name
            if os.path.basename(inc) in by_name:
                target = module_of(inc, names, owners)
                if target != mod:
                    out.setdefault(target, set()).add("#include " + inc)
        # struct/enum/union tags are types, not uses of a function
        used = set(IDENT.findall(re.sub(r"\b(struct|enum|union)\s+\w+",
                                        " ", blank_declarations(texts[p]))))
        used |= xmacro_uses(raws[p])
        for ident in used:
            target = owner.get(ident)
            if target is not None and target != mod:
                out.setdefault(target, set()).add(ident)
    return edges


def find_cycles(edges):
    """One cycle through each module that is on one, each cycle once."""
    cycles, keys = [], set()
    for start in sorted(edges):
        seen, stack, parent = {start}, [start], {}
        while stack:
            node = stack.pop()
            for nxt in sorted(edges.get(node, {})):
                if nxt == start:
                    path, cur = [], node
                    while cur != start:
                        path.append(cur)
                        cur = parent[cur]
                    ring = [start] + path[::-1]
                    low = ring.index(min(ring))
                    key = tuple(ring[low:] + ring[:low])
                    if key not in keys:
                        keys.add(key)
                        cycles.append(" -> ".join(ring + [start]))
                    stack = []
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    parent[nxt] = node
                    stack.append(nxt)
    return cycles


def layer_violations(edges, layers):
    """Lines for modules in no layer, unknown modules in a layer, and
    uses of a higher layer."""
    out, rank, where = [], {}, {}
    for i, (name, mods) in enumerate(layers):
        for mod in mods:
            if mod in rank:
                out.append("layer: %s is in two layers (%s and %s)" %
                           (mod, where[mod], name))
            rank[mod], where[mod] = i, name
            if mod not in edges:
                out.append("layer: %s names %s, which is not a module" %
                           (name, mod))
    for mod in sorted(edges):
        if mod not in rank:
            out.append("no layer: %s is in no layer (place it in --layers)"
                       % mod)
            continue
        for target in sorted(edges[mod]):
            if target in rank and rank[target] > rank[mod]:
                out.append("layer: %s (%s) uses %s (%s, a higher layer): %s"
                           % (mod, where[mod], target, where[target],
                              " ".join(sorted(edges[mod][target]))))
    return out


def main():
    """Print the graph; exit 1 on a violation, 2 on bad arguments."""
    ap = argparse.ArgumentParser(
        prog="src_graph.py",
        description="Include and call graph of a C tree by module; fails "
        "on a cycle and, with --layers, on a use of a higher layer.")
    ap.add_argument("dir", help="source directory (searched recursively)")
    ap.add_argument("--owner", action="append", default=[],
                    metavar="HEADER=MODULE",
                    help="a header without a .c of its name belongs to "
                    "MODULE (repeatable; pairs may be comma-separated)")
    ap.add_argument("--layers", metavar="SPEC",
                    help="'name1:mod_a,mod_b;name2:mod_c', lowest first")
    args = ap.parse_args()
    try:
        owners = parse_owners(args.owner)
        layers = parse_layers(args.layers) if args.layers else None
    except ValueError as e:
        print("%s: %s" % (PROG, e))
        return 2
    paths = find_sources(args.dir)
    if paths is None:
        return 2
    if not paths:
        print("%s: no sources in %s" % (PROG, args.dir))
        return 2
    edges = graph(paths, owners)
    for mod in sorted(edges):
        reach = edges[mod]
        print("%s -> %s" % (mod, ", ".join(sorted(reach)) or "(nothing)"))
        for target in sorted(reach):
            print("    %s: %s" % (target, " ".join(sorted(reach[target]))))
    bad = ["cycle: %s" % c for c in find_cycles(edges)]
    if layers is not None:
        bad += layer_violations(edges, layers)
    for line in bad:
        print("%s: %s" % (PROG, line))
    if bad:
        return 1
    print("%s: %d modules, no cycle%s" %
          (PROG, len(edges),
           ", every module in its layer" if layers is not None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
