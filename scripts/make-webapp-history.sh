#!/usr/bin/env bash
# Builds a git repository shaped like a mid-size web application's history (OWASP juice-shop:
# about 48,000 commits), for measuring `jwtscan git` memory where scripts/make-history.sh is too
# small to show it: a few thousand TS/JS/HTML/SCSS/JSON/YAML/Markdown files in a few hundred
# folders, images, 45 translation files of ~80 KB updated in batches, a ~150 KB challenge list
# edited often, two package-lock.json files of ~1 MB and ~700 KB whose version bumps change
# dozens of integrity hashes, feature branches merged back into `develop`, releases on `master`
# with tags, and a few JWTs in fixtures, added and removed again.
#
#   scripts/make-webapp-history.sh OUT_DIR [COMMITS] [SEED]
#
# COMMITS defaults to 48000 (merge commits included). The stream goes through `git fast-import`,
# then `git repack -adf` gives the pack real delta chains (fast-import deltas each blob against
# the previous one in the stream only). Deterministic for a given COMMITS and SEED. 48,000
# commits take about 9 minutes of CPU (24 of wall time on two cores shared with other work) and
# pack to about 310 MB.
set -euo pipefail

out=${1:?usage: make-webapp-history.sh OUT_DIR [COMMITS] [SEED]}
commits=${2:-48000}
seed=${3:-1}

if [[ -e $out ]]; then
    echo "make-webapp-history: $out exists; remove it first" >&2
    exit 2
fi
git -c init.defaultBranch=develop init -q "$out"

python3 - "$commits" "$seed" <<'PY' | git -C "$out" fast-import --quiet --depth=50
import base64, hashlib, random, sys

commits, seed = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
out = sys.stdout.buffer

WORDS = ("user basket product order review challenge score feedback wallet address card delivery "
         "captcha login register token session config data model route service component spec "
         "image upload file chat bot code snippet admin account privacy security question answer "
         "recycle coupon quantity price memory complaint track hint tutorial theme language i18n "
         "locale value result error status request response handler filter search table dialog").split()


def word() -> str:
    return rng.choice(WORDS)


def camel() -> str:
    return word() + word().capitalize() + rng.choice(("", "", word().capitalize()))


def code_line() -> bytes:
    pick = rng.randrange(8)
    indent = "  " * rng.randrange(4)
    if pick == 0:
        text = f"import {{ {camel()} }} from '../{word()}/{word()}.{word()}'"
    elif pick == 1:
        text = f"const {camel()} = await {camel()}.{word()}({camel()}, '{word()}-{rng.randrange(1000)}')"
    elif pick == 2:
        text = f"if ({camel()}.{word()} === {rng.randrange(100)}) {{"
    elif pick == 3:
        text = f"expect({camel()}.{word()}).toBe('{word()} {word()}')"
    elif pick == 4:
        text = f"}}"
    elif pick == 5:
        text = f"// {word()} {word()} {word()} {word()}"
    elif pick == 6:
        text = f"this.{camel()} = {camel()}({rng.randrange(10000)})"
    else:
        text = f"return res.status({rng.choice((200, 201, 400, 401, 403, 404, 500))}).json({{ {word()}: {camel()} }})"
    return (indent + text).encode()


def markup_line() -> bytes:
    return f'  <{rng.choice(("div", "span", "mat-card", "button"))} class="{word()}-{word()}">{{{{ \'{word().upper()}_{word().upper()}\' | translate }}}}</div>'.encode()


def yaml_line() -> bytes:
    return f"  {word()}{word().capitalize()}: '{word()} {word()} {rng.randrange(100)}'".encode()


def i18n_line(k: int) -> bytes:
    return f'  "{WORDS[k % len(WORDS)].upper()}_{k}": "{" ".join(word() for _ in range(rng.randrange(2, 9)))}",'.encode()


def integrity() -> str:
    return "sha512-" + base64.b64encode(rng.randbytes(64)).decode()


def lock_entry(k: int) -> bytes:
    name = f"{word()}-{word()}-{k}"
    version = f"{rng.randrange(12)}.{rng.randrange(30)}.{rng.randrange(20)}"
    return (f'    "node_modules/{name}": {{\n      "version": "{version}",\n'
            f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-{version}.tgz",\n'
            f'      "integrity": "{integrity()}",\n      "dev": true\n    }},').encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(k: int) -> str:
    if k % 3 == 0:
        return b64url(b'{"alg":"none","typ":"JWT"}') + "." + b64url(f'{{"data":{{"id":{k},"email":"admin@juice-sh.op"}}}}'.encode()) + "."
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    payload = b64url(f'{{"sub":"user-{k}","iat":1700000000}}'.encode())
    return f"{header}.{payload}.{b64url(hashlib.sha256(f'sig-{k}'.encode()).digest())}"


class File:
    """A tracked file: its lines (or raw bytes for an image) and the mark of its current blob."""

    __slots__ = ("kind", "lines", "mark")

    def __init__(self, kind, lines):
        self.kind, self.lines, self.mark = kind, lines, None

    def content(self) -> bytes:
        if self.kind == "image":
            return self.lines
        if self.kind == "lock":
            return b'{\n  "name": "juice-shop",\n  "lockfileVersion": 3,\n  "packages": {\n' + b"\n".join(self.lines) + b"\n  }\n}\n"
        if self.kind == "i18n":
            return b"{\n" + b"\n".join(self.lines) + b'\n  "END": ""\n}\n'
        return b"\n".join(self.lines) + b"\n"


def text(kind: str, lines: int) -> File:
    make = {"code": code_line, "markup": markup_line, "yaml": yaml_line, "md": lambda: f"{word().capitalize()} {word()} {word()} {word()} {word()}.".encode()}[kind]
    return File(kind, [make() for _ in range(lines)])


def image(size: int) -> File:
    return File("image", b"\x89PNG\r\n\x1a\n" + rng.randbytes(size))


def image_size() -> int:
    return min(int(rng.lognormvariate(10.6, 1.0)), 900_000)


# The initial tree: about 2,900 files in about 330 folders.
files: dict[str, File] = {}
components = [f"{word()}-{word()}" for _ in range(260)]
for name in dict.fromkeys(components):
    base = f"frontend/src/app/{name}/{name}.component"
    files[base + ".ts"] = text("code", rng.randrange(30, 250))
    files[base + ".html"] = text("markup", rng.randrange(10, 120))
    files[base + ".scss"] = text("yaml", rng.randrange(5, 60))
    files[base + ".spec.ts"] = text("code", rng.randrange(40, 200))
for folder, count, ext, lines in (("routes", 160, "ts", (20, 300)), ("lib", 50, "ts", (30, 400)), ("models", 45, "ts", (30, 150)),
                                  ("test/api", 110, "ts", (50, 400)), ("test/server", 90, "ts", (40, 300)),
                                  ("test/cypress/e2e", 100, "ts", (30, 200)), ("frontend/src/app/Services", 70, "ts", (20, 200)),
                                  ("data/static/codefixes", 300, "ts", (5, 40)), ("config", 18, "yml", (50, 250)),
                                  ("data/static/web3-snippets", 20, "sol", (20, 120)), ("docs", 25, "md", (20, 200)),
                                  (".github/workflows", 12, "yml", (20, 200))):
    for k in range(count):
        kind = {"ts": "code", "sol": "code", "yml": "yaml", "md": "md"}[ext]
        files[f"{folder}/{word()}{word().capitalize()}{k}.{ext}"] = text(kind, rng.randrange(*lines))
for k in range(45):
    files[f"frontend/src/assets/i18n/{chr(97 + k // 26)}{chr(97 + k % 26)}_{chr(65 + k % 26)}{chr(65 + k // 26)}.json"] = File("i18n", [i18n_line(n) for n in range(1200)])
files["data/static/challenges.yml"] = text("yaml", 3000)
files["package-lock.json"] = File("lock", [lock_entry(k) for k in range(3300)])
files["frontend/package-lock.json"] = File("lock", [lock_entry(k) for k in range(2300)])
files["package.json"] = text("yaml", 120)
for k in range(380):
    folder = rng.choice(("products", "uploads", "deluxe", "JuiceShop_Logo", "padding"))
    files[f"frontend/src/assets/public/images/{folder}/{word()}_{k}.{rng.choice(('png', 'jpg'))}"] = image(image_size())
for k in range(12):
    files[f"screenshots/{word()}-{k}.png"] = image(rng.randrange(400_000, 1_200_000))
# Fixtures with tokens, as a real project's tests hold them.
files["test/api/jwtSpec.ts"] = File("code", [f"const forged = '{token(k)}'".encode() for k in (1, 2, 3)] + [code_line() for _ in range(80)])
files["frontend/src/hacking-instructor/helpers/token.ts"] = File("code", [f"export const token = '{token(4)}'".encode()])

paths = sorted(files)
text_paths = [p for p in paths if files[p].kind in ("code", "markup", "yaml", "md")]
i18n_paths = [p for p in paths if files[p].kind == "i18n"]
image_paths = [p for p in paths if files[p].kind == "image"]

mark = 0


def next_mark() -> int:
    global mark
    mark += 1
    return mark


def data(content: bytes) -> None:
    out.write(b"data %d\n" % len(content))
    out.write(content)
    out.write(b"\n")


def store(f: File) -> None:
    f.mark = next_mark()
    out.write(b"blob\nmark :%d\n" % f.mark)
    data(f.content())


def edit(f: File) -> File:
    """A new version of `f`: a copy with a few lines changed, added or removed."""
    if f.kind == "image":
        return image(image_size())
    lines = list(f.lines)
    if f.kind == "lock":
        for _ in range(rng.randrange(5, 60)):
            lines[rng.randrange(len(lines))] = lock_entry(rng.randrange(10_000))
        return File("lock", lines)
    if f.kind == "i18n":
        for _ in range(rng.randrange(1, 25)):
            k = rng.randrange(len(lines) + 3)
            if k < len(lines):
                lines[k] = i18n_line(k)
            else:
                lines.append(i18n_line(k))
        return File("i18n", lines)
    make = {"code": code_line, "markup": markup_line, "yaml": yaml_line, "md": code_line}[f.kind]
    for _ in range(rng.randrange(1, 8)):
        at = rng.randrange(len(lines) + 1)
        action = rng.randrange(4)
        if action == 0 and len(lines) > 5:
            del lines[min(at, len(lines) - 1)]
        elif action == 1 or at == len(lines):
            lines.insert(at, make())
        else:
            lines[at] = make()
    return File(f.kind, lines)


authors = [f"{word().capitalize()} {word().capitalize()}{k}" for k in range(180)]
when = 1409000000


def commit_header(ref: str, message: str) -> int:
    global when
    when += rng.randrange(60, 5400)
    m = next_mark()
    who = authors[min(int(rng.expovariate(0.08)), len(authors) - 1)]
    email = who.lower().replace(" ", ".")
    out.write(f"commit {ref}\nmark :{m}\n".encode())
    out.write(f"author {who} <{email}@example.com> {when} +0000\ncommitter {who} <{email}@example.com> {when} +0000\n".encode())
    data(message.encode())
    return m


# Every file's first version, then the initial commit on develop.
for p in paths:
    store(files[p])
head = commit_header("refs/heads/develop", "Initial import")
for p in paths:
    out.write(f"M 100644 :{files[p].mark} {p}\n".encode())
out.write(b"\n")
made = 1


def changes(state: dict, step: int) -> dict:
    """The files one ordinary commit changes: a few sources, and now and then a batch of
    translations, a lock file bump, the challenge list or an image."""
    changed = {}
    for _ in range(min(int(rng.expovariate(0.6)) + 1, 12)):
        p = rng.choice(text_paths)
        if p in state:
            changed[p] = edit(state[p])
    roll = rng.random()
    if roll < 0.04:
        for p in rng.sample(i18n_paths, rng.randrange(3, 30)):
            changed[p] = edit(state[p])
    elif roll < 0.07:
        p = rng.choice(("package-lock.json", "frontend/package-lock.json"))
        changed[p] = edit(state[p])
        changed["package.json"] = edit(state["package.json"])
    elif roll < 0.14:
        changed["data/static/challenges.yml"] = edit(state["data/static/challenges.yml"])
    elif roll < 0.15:
        changed[rng.choice(image_paths)] = image(image_size())
    elif roll < 0.153:
        p = f"frontend/src/assets/public/images/uploads/{word()}-{step}.jpg"
        changed[p] = image(image_size())
    elif roll < 0.16:
        p = f"{rng.choice(('routes', 'lib', 'test/api'))}/{camel()}{step}.ts"
        changed[p] = text("code", rng.randrange(20, 200))
        text_paths.append(p)
    if step % 4001 == 0:
        changed[f"test/fixtures/token-{step}.ts"] = File("code", [f"export const adminToken = '{token(step)}'".encode()])
    return changed


def write_commit(ref: str, parent: int, merge: int | None, state: dict, changed: dict, removed: list, message: str) -> int:
    for p, f in changed.items():
        if f.mark is None:
            store(f)
    m = commit_header(ref, message)
    out.write(b"from :%d\n" % parent)
    if merge is not None:
        out.write(b"merge :%d\n" % merge)
    for p, f in changed.items():
        state[p] = f
        out.write(f"M 100644 :{f.mark} {p}\n".encode())
    for p in removed:
        if p in state:
            del state[p]
            out.write(f"D {p}\n".encode())
    out.write(b"\n")
    return m


develop = dict(files)
features = []  # [name, head mark, state, changed paths, commits left]
release = 0
while made < commits:
    made += 1
    if features and rng.random() < 0.45:
        feature = rng.choice(features)
        name, fhead, state, touched, left = feature
        changed = changes(state, made)
        touched.update(changed)
        feature[1] = write_commit(f"refs/heads/{name}", fhead, None, state, changed, [], f"{word().capitalize()} {word()} {word()}")
        feature[4] -= 1
        if feature[4] <= 0 and made < commits:
            # The merge takes the branch's version of every file it changed.
            made += 1
            features.remove(feature)
            merged = {p: state[p] for p in touched if p in state}
            head = write_commit("refs/heads/develop", head, feature[1], develop, merged, [], f"Merge branch '{name}' into develop")
            out.write(f"reset refs/heads/{name}\nfrom 0000000000000000000000000000000000000000\n\n".encode())
        continue
    if len(features) < 3 and rng.random() < 0.05:
        name = f"feature/{word()}-{made}"
        features.append([name, head, dict(develop), {}, rng.randrange(2, 40)])
    removed = []
    if made % 997 == 4:
        removed = [p for p in develop if p.startswith("test/fixtures/token-")]
    changed = changes(develop, made)
    head = write_commit("refs/heads/develop", head, None, develop, changed, removed, f"{word().capitalize()} {word()} {word()}")
    if made // 2000 > release:
        release = made // 2000
        out.write(f"reset refs/heads/master\nfrom :{head}\n\nreset refs/tags/v{release}.0.0\nfrom :{head}\n\n".encode())
# Branches still open stay as they are, unmerged.
print(f"make-webapp-history: {made} commits, {mark} marks", file=sys.stderr)
PY
git -C "$out" repack -q -a -d -f --window=10 --depth=50
git -C "$out" prune-packed
git -C "$out" reset -q --hard develop
echo "make-webapp-history: $(git -C "$out" rev-list --all | wc -l) commits, $(git -C "$out" ls-files | wc -l) files," \
    "pack $(du -sm "$out/.git/objects/pack" | cut -f1) MB in $out" >&2
