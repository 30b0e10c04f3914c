#!/usr/bin/python3
"""Real-text benchmark sets from the manual pages that Debian packages install (deterministic).

Corpus: the English manual pages (the files in a man1..man8 directory under /usr, such as
/usr/share/man/man1 or PostgreSQL's /usr/share/postgresql/15/man/man7; symlinks and `.so`
redirects are skipped) of the 66 packages in PACKAGES, which `scripts/install-deps.sh --bench`
installs. Nobody on the team wrote this text. The script fails with a clear message when one of
the packages is missing (or its pages are not on disk), so the files depend only on the
packages' versions: the same machine writes the same bytes.

Rows are paragraphs. A page's roff source is read with a small rule set (not groff): comment
lines, requests and escapes are dropped, the text arguments of font macros (.B, .IR, ...) and of
mdoc macros are kept; a paragraph ends at .SH/.SS/.PP/.P/.LP/.TP/.IP/.HP/.sp and mdoc's
.Sh/.Ss/.Pp/.It. Paragraphs under SEE ALSO, AUTHOR(S), COPYRIGHT, REPORTING BUGS and COLOPHON are
dropped, as are paragraphs of fewer than MIN_TOKENS tokens and repeats of an earlier paragraph's
token sequence (boilerplate that several pages share).

Tokenizer: the paragraph lower-cased; tokens are the maximal runs of [a-z0-9_] (everything else
separates). Hash: 32-bit FNV-1a of the token's ASCII bytes, modulo 2^20, plus 1 (LIBSVM's 1-based
index). Feature value: log(1 + count of the bucket in the paragraph), each row scaled to unit L2
norm (as LIBSVM's news20 and rcv1 files are).

Tasks, on the same rows:
  text    binary: 1 when the page is in man section 1, 6 or 8 (commands), 0 for sections 2-5 and 7
          (programming interfaces, file formats, conventions).
  text20  20 classes: the Debian section of the package that installs the page (CLASSES, in that
          order: class 0 is CLASSES[0]). Each class keeps at most --per-class rows, the ones with
          the smallest hash of (seed, page, paragraph number).
Split: a paragraph goes to test when the hash of (seed, page path, paragraph number) falls in the
lowest --test-percent percent, else to train. (A split by page would leave whole classes on one
side: a few long pages, such as cmake-commands(7), hold most of some classes' paragraphs.)

Writes OUT/text/{train,test}.{libsvm,vw} and OUT/text20/{train,test}.{libsvm,vw} plus
OUT/corpus.json (counts per class and package, label rates, the majority-class accuracy), the
rows in a seeded random order.
VW lines are `LABEL | INDEX:VALUE ...` (binary labels -1/1, multiclass 1..20); Vowpal Wabbit
hashes an all-digit feature name to the number itself, so both formats hold the same features.
"""
import argparse
import collections
import gzip
import hashlib
import json
import math
import os
import re
import subprocess
import sys

DIM = 1 << 20
MIN_TOKENS = 10
DROPPED_HEADINGS = {"see also", "author", "authors", "copyright", "reporting bugs", "colophon"}
BREAKS = {"SH", "SS", "PP", "P", "LP", "TP", "IP", "HP", "sp", "Sh", "Ss", "Pp", "It"}
FONT_MACROS = {"B", "I", "BR", "BI", "IB", "IR", "RB", "RI", "SB", "SM"}
SKIP_BLOCKS = {"de": "..", "de1": "..", "ig": "..", "am": "..", "am1": ".."}
ESCAPE = re.compile(r"""\\(?:
      [fF](?:\[[^\]]*\]|\(..|.)          # font change
    | s[-+]?(?:\[\d*\]|\(\d\d|\d)        # size change
    | [*ngk$](?:\[[^\]]*\]|\(..|.)      # strings, registers
    | [hvwoNlLXZDbxRSAB](?:'[^']*')?     # escapes with a quoted argument
    | \((..)                             # special character \(xx
    | \[([^\]]*)\]                       # special character \[name]
    | (.)                                # \- \e \& \c and the rest
    )""", re.VERBOSE)
TOKEN = re.compile(r"[a-z0-9_]+")
MDOC_MACRO = re.compile(r"^[A-Z][a-z][a-z]?$")

# The corpus, by text20 class (the Debian section of each package, checked against dpkg).
PACKAGES = {
    "admin": ["apt", "e2fsprogs", "libpam-modules", "passwd", "systemd", "tmux"],
    "database": ["postgresql-client-15", "sqlite3"],
    "devel": ["binutils-common", "cmake-data"],
    "doc": ["git-man", "man-db", "manpages", "manpages-dev"],
    "editors": ["nano", "universal-ctags", "vim-common"],
    "games": ["bsdgames"],
    "graphics": ["mkvtoolnix", "netpbm"],
    "interpreters": ["gawk", "m4", "mawk"],
    "libdevel": ["libarchive-dev", "libibverbs-dev", "libtirpc-dev", "libxt-dev"],
    "libs": ["libedit2", "libmagic1", "libpcre3"],
    "mail": ["fetchmail", "msmtp", "mutt", "procmail"],
    "net": ["iproute2", "net-tools", "openmpi-bin", "openssh-client"],
    "perl": ["libdpkg-perl", "libjson-perl", "perl"],
    "shells": ["bash", "dash", "zsh-common"],
    "sound": ["flac", "lame", "sox", "vorbis-tools"],
    "text": ["groff", "groff-base", "less"],
    "utils": ["coreutils", "dpkg-dev", "jq", "ncurses-bin", "openssl", "zstd"],
    "vcs": ["mercurial-common", "patch", "subversion"],
    "web": ["curl", "lynx-common", "wget"],
    "x11": ["x11-common", "x11-utils", "xauth"],
}
CLASSES = sorted(PACKAGES)
MAN_PAGE = re.compile(r"/man/man([1-8])[a-z]*/[^/]+$")
COMMAND_SECTIONS = {"1", "6", "8"}


def unescape(match):
    if match.group(3) is not None:
        return {"-": "-", "e": "\\", " ": " ", "~": " ", "0": " "}.get(match.group(3), "")
    return " " if match.group(1) or match.group(2) is not None else ""


def unquote_args(text):
    """A macro's arguments: double-quoted groups or words."""
    return [m.group(1) if m.group(1) is not None else m.group(2)
            for m in re.finditer(r'"([^"]*)"?|(\S+)', text)]


def macro_text(name, args):
    """The text a macro line contributes to its paragraph."""
    if name in FONT_MACROS or name in ("SH", "SS", "Sh", "Ss"):
        return " ".join(unquote_args(args))
    if name in ("IP", "It"):
        words = unquote_args(args)
        return " ".join(w for w in words[:1 if name == "IP" else None] if not MDOC_MACRO.match(w))
    if MDOC_MACRO.match(name):
        return " ".join(w for w in unquote_args(args) if not MDOC_MACRO.match(w))
    return ""


def roff_paragraphs(lines):
    """(heading, text) for each paragraph of a roff page."""
    heading, current, skip_until, in_table_format = "", [], None, False
    for raw in lines:
        line = raw.rstrip("\n")
        if skip_until is not None:
            skip_until = None if line.strip() == skip_until else skip_until
            continue
        line = re.sub(r'\\["#].*', "", line)
        if line.startswith(".TS"):
            in_table_format = True
            continue
        if in_table_format:  # tbl's options and format lines end with the first line ending in '.'
            in_table_format = not line.rstrip().endswith(".")
            continue
        if line[:1] in (".", "'"):
            parts = line[1:].strip().split(None, 1)
            name, args = (parts[0] if parts else ""), (parts[1] if len(parts) > 1 else "")
            if name in SKIP_BLOCKS:
                skip_until = SKIP_BLOCKS[name]
                continue
            if name in BREAKS:
                yield heading, " ".join(current)
                current = []
                if name in ("SH", "Sh"):
                    heading = ESCAPE.sub(unescape, macro_text(name, args)).strip().lower()
                    continue
            line = macro_text(name, args)
        line = line.replace("T{", " ").replace("T}", " ").replace("\t", " ")
        current.append(ESCAPE.sub(unescape, line))
    yield heading, " ".join(current)


def read_page(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace").splitlines()


def page_paragraphs(path):
    """Token lists of a page's kept paragraphs; none for a `.so` redirect."""
    lines = read_page(path)
    if any(line.startswith(".so ") for line in lines[:3]) and len(lines) < 5:
        return []
    out = []
    for heading, text in roff_paragraphs(lines):
        tokens = TOKEN.findall(text.lower())
        if heading not in DROPPED_HEADINGS and len(tokens) >= MIN_TOKENS:
            out.append(tokens)
    return out


class CorpusMissing(Exception):
    pass


def dpkg_query(*args):
    result = subprocess.run(["dpkg-query", *args], capture_output=True, text=True)
    return result.returncode, result.stdout


def package_pages(package, section):
    """(path, man section) of the package's English manual pages, checked against dpkg."""
    rc, status = dpkg_query("-W", "-f", "${db:Status-Abbrev}|${Section}", package)
    if rc != 0 or not status.startswith("ii"):
        raise CorpusMissing("package %s is not installed" % package)
    actual = status.split("|", 1)[1].strip().split("/")[-1]
    if actual != section:
        raise CorpusMissing("package %s is in Debian section %s, not %s (another Debian release?)"
                            % (package, actual, section))
    _, listing = dpkg_query("-L", package)
    pages, listed = [], 0
    for path in sorted(listing.splitlines()):
        match = MAN_PAGE.search(path)
        if not match or not path.startswith("/usr/"):
            continue
        listed += 1
        if os.path.isfile(path) and not os.path.islink(path):
            pages.append((path, match.group(1)))
    if listed and not pages:
        raise CorpusMissing("dpkg lists manual pages of %s but none is on disk (a dpkg path-exclude, "
                            "as in minimal container images?)" % package)
    return pages


def collect():
    """Rows (class, man section, package, page, paragraph number, tokens), duplicates removed."""
    pages, missing = [], []
    for label in CLASSES:
        for package in PACKAGES[label]:
            try:
                pages += [(label, package, path, section) for path, section in package_pages(package, label)]
            except CorpusMissing as e:
                missing.append(str(e))
    if missing:
        raise CorpusMissing("; ".join(missing))
    rows, seen = [], set()
    for label, package, path, man_section in pages:
        for number, tokens in enumerate(page_paragraphs(path)):
            key = tuple(tokens)
            if key not in seen:
                seen.add(key)
                rows.append((label, man_section, package, path, number, tokens))
    return rows


def unit_hash(*parts):
    """A number in [0, 1) from the parts: the seeded hash behind the selection and the split."""
    digest = hashlib.sha256("\0".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") / 2.0 ** 64


def fnv1a(token):
    h = 0x811C9DC5
    for byte in token.encode("ascii"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def features(tokens, cache):
    """Sorted (1-based index, value): log(1 + count) per bucket, unit L2 norm."""
    counts = collections.Counter()
    for token in tokens:
        index = cache.get(token)
        if index is None:
            index = cache[token] = fnv1a(token) % DIM + 1
        counts[index] += 1
    values = {i: math.log1p(c) for i, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values()))
    return [(i, values[i] / norm) for i in sorted(values)]


def select(rows, per_class, seed):
    by_class = collections.defaultdict(list)
    for row in rows:
        by_class[row[0]].append(row)
    kept = []
    for label in CLASSES:
        ranked = sorted(by_class[label], key=lambda r: unit_hash(seed, r[3], r[4]))
        kept += ranked[:per_class]
    # Files in a seeded random order: pages come class by class, and one-pass learners such as
    # Vowpal Wabbit's default run would otherwise be judged on the order.
    kept.sort(key=lambda r: unit_hash(seed, "order", r[3], r[4]))
    return kept


def write_sets(rows, out, test_percent, seed):
    cache, handles, counts = {}, {}, collections.Counter()
    for task in ("text", "text20"):
        os.makedirs(os.path.join(out, task), exist_ok=True)
        for part in ("train", "test"):
            for ext in ("libsvm", "vw"):
                handles[task, part, ext] = open(os.path.join(out, task, "%s.%s" % (part, ext)), "w")
    for label, man_section, _, path, number, tokens in rows:
        part = "test" if unit_hash(seed, "split", path, number) * 100 < test_percent else "train"
        pairs = features(tokens, cache)
        libsvm = "".join(" %d:%.6g" % p for p in pairs)
        vw = "".join(" %d:%.6g" % p for p in pairs)
        binary = 1 if man_section in COMMAND_SECTIONS else 0
        multi = CLASSES.index(label)
        handles["text", part, "libsvm"].write("%d%s\n" % (binary, libsvm))
        handles["text", part, "vw"].write("%d |%s\n" % (2 * binary - 1, vw))
        handles["text20", part, "libsvm"].write("%d%s\n" % (multi, libsvm))
        handles["text20", part, "vw"].write("%d |%s\n" % (multi + 1, vw))
        counts[part, "rows"] += 1
        counts[part, "positive"] += binary
        counts[part, label] += 1
    for handle in handles.values():
        handle.close()
    return counts


def summary(rows, counts, args):
    majority = max(CLASSES, key=lambda c: counts["train", c])
    test_rows = counts["test", "rows"]
    packages = collections.Counter(r[2] for r in rows)
    return {
        "rows": len(rows), "train_rows": counts["train", "rows"], "test_rows": test_rows,
        "pages": len({r[3] for r in rows}), "classes": CLASSES,
        "class_rows": {c: counts["train", c] + counts["test", c] for c in CLASSES},
        "package_rows": dict(sorted(packages.items())),
        "text_train_positive_rate": counts["train", "positive"] / counts["train", "rows"],
        "text_test_positive_rate": counts["test", "positive"] / test_rows,
        "text_test_majority_accuracy": max(counts["test", "positive"], test_rows - counts["test", "positive"])
        / test_rows,
        "text20_test_majority_accuracy": counts["test", majority] / test_rows,
        "seed": args.seed, "per_class": args.per_class, "test_percent": args.test_percent,
        "dim": DIM, "min_tokens": MIN_TOKENS,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--per-class", type=int, default=3000, help="most rows a text20 class keeps")
    parser.add_argument("--test-percent", type=float, default=20.0)
    args = parser.parse_args()
    try:
        rows = collect()
    except CorpusMissing as e:
        sys.exit("make_textset: the corpus is incomplete: %s. Install it with "
                 "`scripts/install-deps.sh --bench` (Debian 12)." % e)
    rows = select(rows, args.per_class, args.seed)
    counts = write_sets(rows, args.out, args.test_percent, args.seed)
    info = summary(rows, counts, args)
    with open(os.path.join(args.out, "corpus.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("text: %d rows (%d train, %d test) from %d pages" % (info["rows"], info["train_rows"],
                                                               info["test_rows"], info["pages"]))


if __name__ == "__main__":
    main()
