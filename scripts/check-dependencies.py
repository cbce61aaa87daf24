#!/usr/bin/env python3
"""Checks that every target of Package.swift imports exactly the modules it declares.

MemberImportVisibility makes a file see only what it imports; this makes the manifest say the same:
a dependency declared and never imported, or imported and not declared, fails the check.
Run from the package root: python3 scripts/check-dependencies.py
"""
import glob
import json
import re
import subprocess
import sys

# Modules of the toolchain and the system, not declared in the manifest.
SYSTEM = {"Foundation", "FoundationNetworking", "FoundationEssentials", "Synchronization", "Testing",
          "Dispatch", "Glibc", "Musl", "Darwin", "XCTest", "CBaogongZlib"}
IMPORT = re.compile(r"\s*(?:@[\w()]+\s+)*(?:public |package |internal )?import (?:struct |enum |class )?(\w+)")

package = json.loads(subprocess.check_output(["swift", "package", "dump-package"], stderr=subprocess.DEVNULL))
problems = []
for target in package["targets"]:
    if target["type"] == "system":
        continue
    path = target.get("path") or ("Tests/" if target["type"] == "test" else "Sources/") + target["name"]
    declared = set()
    for dependency in target["dependencies"]:
        for kind in ("byName", "product", "target"):
            if kind in dependency:
                declared.add(dependency[kind][0])
    imported = set()
    for file in glob.glob(path + "/**/*.swift", recursive=True):
        with open(file) as source:
            imported.update(m.group(1) for m in map(IMPORT.match, source) if m)
    imported -= SYSTEM
    declared -= SYSTEM
    if imported != declared:
        problems.append(f"{target['name']}: imported but not declared {sorted(imported - declared)}, "
                        f"declared but not imported {sorted(declared - imported)}")
print("\n".join(problems) or "every target imports exactly what it declares")
sys.exit(1 if problems else 0)
