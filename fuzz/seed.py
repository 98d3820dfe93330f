#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into fuzz/corpus/<target>/, from the gallery
and the link fixtures: the inputs libFuzzer starts from and mutates.

    link_decode    each fixture link as it is (the four input forms, with and without &t=),
                   and for every scenario file a link of it and its raw DEFLATE stream (the
                   target reads its input both ways)
    scenario_read  every scenario file: the gallery's stories, the link fixtures' scenarios,
    scenario_run   and tests/fixtures/everything.json (every field and action kind)

The files are made, not committed (a corpus grows to megabytes): each seed is named
`seed-<source>`, so running this again rewrites the same files, and what libFuzzer added to the
corpus (named by its SHA-1) stays. Raw DEFLATE and base64url are what zksim's link format packs
a scenario in (crates/zksim/src/link.rs); any DEFLATE level opens.
"""

import base64
import pathlib
import sys
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORE = ROOT / "crates" / "zksim"


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def link_of(data: bytes) -> bytes:
    return b"s=1." + base64.urlsafe_b64encode(raw_deflate(data)).rstrip(b"=")


def scenario_files() -> list[pathlib.Path]:
    gallery = [p for p in sorted((CORE / "gallery").glob("*.json")) if p.name != "conformance.json"]
    links = sorted((CORE / "tests" / "fixtures" / "links").glob("*.json"))
    return gallery + links + [CORE / "tests" / "fixtures" / "everything.json"]


def seeds() -> dict[str, dict[str, bytes]]:
    files = scenario_files()
    # Two sources may share a stem (a story and a fixture): the folder tells them apart.
    named = {f"{p.parent.name}-{p.stem}": p.read_bytes() for p in files}
    link_seeds = {
        f"fixture-{p.stem}.txt": p.read_bytes()
        for p in sorted((CORE / "tests" / "fixtures" / "links").glob("*.txt"))
    }
    for name, data in named.items():
        link_seeds[f"{name}.link"] = link_of(data)
        link_seeds[f"{name}.deflate"] = raw_deflate(data)
    scenarios = {f"{name}.json": data for name, data in named.items()}
    return {"link_decode": link_seeds, "scenario_read": scenarios, "scenario_run": scenarios}


def main() -> int:
    corpus = ROOT / "fuzz" / "corpus"
    wanted = sys.argv[1:] or None
    for target, files in seeds().items():
        if wanted and target not in wanted:
            continue
        out = corpus / target
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (out / f"seed-{name}").write_bytes(data)
        print(f"fuzz/corpus/{target}: {len(files)} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
