"""Fuzzing the pack defences (issue 12): over 500 malformed and hostile packs through
``validate`` and ``import`` — zip-slip variants, links in zips and folders, bombs, huge,
binary and deeply nested TOML, wrong types, garbage and hostile ONNX, reserved and duplicate
ids, Windows device names.

The run happens in a child interpreter with a fresh ``HOME`` and ``TMPDIR`` (seeded, so every
run feeds the same cases) and asserts: no uncaught exception, no case longer than 30 s,
nothing written outside the cases and the data dir, no byte of a secret file outside the
pack read into the kiosk's data or reports, and the built-in demos still pass self-test.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "demos" / "image-classification"
SECRET_TOKEN = "FUZZ-SECRET-8d41c2"
# A value written into a pack's own demo.toml: a report may quote it back ("'…' is not a valid
# demo id"), which is no leak; only the secret *file's* token must never show up. (With the
# same token for both, a changed built-in template moved the seeded choices onto `id`.)
OWN_TOKEN = "FUZZ-OWN-VALUE-3c9e"
ESCAPE_MARK = "ESCAPED-FUZZ"
SEED = 12
MAX_CASE_SECONDS = 30.0


@dataclass
class Case:
    """One hostile input and what to feed it to."""

    name: str
    path: Path
    ops: tuple[str, ...]  # "validate", "import"


# ---------------------------------------------------------------------------- building blocks


def tiny_classifier(path: Path) -> Path:
    """A 4 KB classifier-shaped ONNX model (1000 classes) that really runs."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["x"], ["m"], keepdims=0),
         helper.make_node("Add", ["offsets", "m"], ["logits"])],
        "tiny", [x], [y],
        [numpy_helper.from_array(np.linspace(0, 1, 1000, dtype=np.float32)[None], "offsets")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def nested_if_model(path: Path, depth: int) -> Path:
    """A model with ``depth`` nested ``If`` subgraphs (stack-depth attack on loaders)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def branch(level: int) -> onnx.GraphProto:
        out = helper.make_tensor_value_info(f"o{level}", TensorProto.FLOAT, [1, 1000])
        if level == 0:
            node = helper.make_node("Identity", ["offsets"], [f"o{level}"])
        else:
            node = helper.make_node("If", ["cond"], [f"o{level}"], then_branch=branch(level - 1),
                                    else_branch=branch(level - 1))
        return helper.make_graph([node], f"b{level}", [], [out])

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])
    graph = helper.make_graph(
        [helper.make_node("If", ["cond"], ["logits"], then_branch=branch(depth),
                          else_branch=helper.make_graph(
                              [helper.make_node("Identity", ["offsets"], ["e"])], "e", [],
                              [helper.make_tensor_value_info("e", TensorProto.FLOAT,
                                                             [1, 1000])]))],
        "nested", [x], [y],
        [numpy_helper.from_array(np.array(True), "cond"),
         numpy_helper.from_array(np.zeros((1, 1000), np.float32), "offsets")])
    # depth 2**depth nodes: keep depth small enough to write, deep enough to hurt a recursion
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Builder:
    """Makes the hostile inputs under ``root``; ``outside`` holds what nothing may touch."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.n = 0
        self.cases: list[Case] = []
        self.outside = root / "outside"
        self.outside.mkdir(parents=True)
        self.secret = self.outside / "secret.txt"
        self.secret.write_text("".join(f"{SECRET_TOKEN}-{i}\n" for i in range(1000)),
                               encoding="utf-8")
        (self.outside / "secret.onnx").write_bytes(
            tiny_classifier(self.outside / "t.onnx").read_bytes() + SECRET_TOKEN.encode())
        self.template = root / "template"
        self.template.mkdir()
        tiny_classifier(self.template / "model.onnx")
        for name in ("labels_en.txt", "labels_de.txt", "thumbnail.jpg"):
            shutil.copyfile(BUILTIN / name, self.template / name)
        toml = (BUILTIN / "demo.toml").read_text(encoding="utf-8")
        toml = toml.replace('id = "image-classification"', 'id = "fuzz-pack"')
        toml = toml.replace('file = "mobilenet_v2_imagenet.onnx"', 'file = "model.onnx"')
        # the built-in model's pin, whatever its current sha256 (the model gets rebuilt)
        toml = re.sub(r'sha256 = "[0-9a-f]{64}"',
                      f'sha256 = "{sha(self.template / "model.onnx")}"', toml, count=1)
        toml = toml.replace('card = "mobilenet_v2_imagenet.md"\n', "")
        self.toml = toml
        (self.template / "demo.toml").write_text(toml, encoding="utf-8")

    # -- helpers

    def folder(self, label: str) -> Path:
        self.n += 1
        dest = self.root / "cases" / f"{self.n:04d}-{label}"[:80] / "pack"
        shutil.copytree(self.template, dest)
        return dest

    def add(self, label: str, path: Path, *ops: str) -> None:
        self.cases.append(Case(f"{self.n:04d}-{label}", path, ops or ("validate",)))

    def set_model(self, pack: Path, data: bytes) -> None:
        (pack / "model.onnx").write_bytes(data)
        text = (pack / "demo.toml").read_text(encoding="utf-8")
        text = text.replace(sha(self.template / "model.onnx"), hashlib.sha256(data).hexdigest())
        (pack / "demo.toml").write_text(text, encoding="utf-8")

    def zip_of(self, label: str, entries: list[tuple[str | zipfile.ZipInfo, bytes]],
               with_pack: bool = True) -> Path:
        self.n += 1
        out = self.root / "cases" / f"{self.n:04d}-{label}.zip"[:84]
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            if with_pack:
                for p in sorted(self.template.iterdir()):
                    zf.write(p, f"pack/{p.name}")
            for name, data in entries:
                zf.writestr(name, data)
        return out

    # -- the families

    def links(self) -> None:
        targets: dict[str, Callable[[], Path]] = {
            "secret": lambda: self.secret, "secret-onnx": lambda: self.outside / "secret.onnx",
            "dir": lambda: self.outside, "devzero": lambda: Path("/dev/zero"),
            "dangling": lambda: self.outside / "nothing-here",
        }
        for victim in ("demo.toml", "labels_en.txt", "labels_de.txt", "model.onnx",
                       "thumbnail.jpg", "sample.jpg", "extra-dir"):
            for tname, target in targets.items():
                pack = self.folder(f"link-{victim}-{tname}")
                (pack / victim).unlink(missing_ok=True)
                (pack / victim).symlink_to(target())
                self.add(f"link-{victim}-{tname}", pack, "validate", "import")
        pack = self.folder("link-loop")
        (pack / "loop").symlink_to(pack / "loop")
        self.add("link-loop", pack)
        pack = self.folder("pack-is-link")
        link = pack.parent / "linked-pack"
        link.symlink_to(self.template)
        self.add("pack-is-link", link, "validate", "import")

    def specials(self) -> None:
        for victim in ("demo.toml", "labels_en.txt", "model.onnx"):
            pack = self.folder(f"fifo-{victim}")
            (pack / victim).unlink()
            os.mkfifo(pack / victim)
            self.add(f"fifo-{victim}", pack, "validate", "import")
        pack = self.folder("sparse-600mb-model")
        with (pack / "big.bin").open("wb") as fh:
            fh.truncate(600 * 1024 * 1024)
        self.add("sparse-600mb-model", pack)
        pack = self.folder("sparse-400mb-labels")
        (pack / "labels_en.txt").unlink()
        with (pack / "labels_en.txt").open("wb") as fh:
            fh.truncate(400 * 1024 * 1024)
        self.add("sparse-400mb-labels", pack)
        pack = self.folder("many-files")
        for i in range(1100):
            (pack / f"f{i}.txt").write_bytes(b"")
        self.add("many-files", pack)
        for victim in ("demo.toml", "model.onnx", "labels_en.txt", "thumbnail.jpg"):
            pack = self.folder(f"missing-{victim}")
            (pack / victim).unlink()
            self.add(f"missing-{victim}", pack, "validate", "import")
        for name in ("CON", "nul.txt", "COM1.onnx", "aux.toml", "LPT9", "bad\nname.txt",
                     "ctrl\x01.txt", "trailing-dot.", "x" * 240, "émoji-😀.txt", "a:b.txt",
                     "q?.txt", "star*.txt"):
            pack = self.folder("name")
            try:
                (pack / name).write_bytes(b"hello")
            except OSError:
                continue
            self.add(f"name-{name[:20]!r}", pack, "validate", "import")

    def bad_thumbnails(self) -> None:
        from tests.unit.test_pack_hostile_images import bmp_claiming, png_bomb

        pack = self.folder("thumb-png-bomb")
        png_bomb(pack / "thumbnail.jpg", side=20000)
        self.add("thumb-png-bomb", pack, "validate", "import")
        pack = self.folder("thumb-bmp-claim")
        bmp_claiming(pack / "thumbnail.jpg", 60000, 60000)
        self.add("thumb-bmp-claim", pack)
        pack = self.folder("sample-bomb")
        png_bomb(pack / "sample.png", side=20000)
        self.add("sample-bomb", pack, "validate", "import")
        for k in range(4):
            pack = self.folder("thumb-garbage")
            (pack / "thumbnail.jpg").write_bytes(self.rng.randbytes(self.rng.randint(0, 3000)))
            self.add(f"thumb-garbage-{k}", pack)

    def toml_syntax(self) -> None:
        for k in range(35):
            pack = self.folder("toml-random")
            (pack / "demo.toml").write_bytes(self.rng.randbytes(self.rng.randint(0, 4000)))
            self.add(f"toml-random-{k}", pack)
        raw = self.toml.encode("utf-8")
        for k in range(35):
            pack = self.folder("toml-truncated")
            (pack / "demo.toml").write_bytes(raw[: self.rng.randint(0, len(raw))])
            self.add(f"toml-truncated-{k}", pack)
        for k in range(40):
            data = bytearray(raw)
            for _ in range(self.rng.randint(1, 8)):
                data[self.rng.randrange(len(data))] = self.rng.randrange(256)
            pack = self.folder("toml-flipped")
            (pack / "demo.toml").write_bytes(bytes(data))
            self.add(f"toml-flipped-{k}", pack)
        hostile = {
            "nest-list": "x = " + "[" * 5000 + "]" * 5000,
            "nest-inline": "x = " + "{a = " * 3000 + "1" + "}" * 3000,
            "nest-open": "x = " + "[" * 100_000,
            "nest-tables": "".join(f"[{'a.' * k}b]\n" for k in range(1, 60)),
            # tomllib takes time and memory growing with the square of a dotted key's length:
            # these 200 KB would take minutes and gigabytes if they ever reached it
            "dotted-key": "a." * 100_000 + "b = 1",
            "huge-int": "order = " + "9" * 5000,
            "big-int": "order = " + "9" * 4000,
            "huge-float": "order = 1e99999",
            "nan": "order = nan",
            "long-string": 'x = "' + "a" * 300_000 + '"',
            "many-keys": "".join(f"k{i} = {i}\n" for i in range(20_000)),
            "nul": "order = 1\x00",
            "bom": "\ufefforder = 1",
            "crlf": "order = 1\r\n",
            "dup-key": "order = 1\norder = 2",
            "dup-table": "[title]\nde='x'\nen='y'",
        }
        for label, line in hostile.items():
            pack = self.folder(f"toml-{label}")
            text = line + "\n" + self.toml if not line.startswith("[") else self.toml + line
            (pack / "demo.toml").write_text(text, encoding="utf-8", newline="")
            self.add(f"toml-{label}", pack, "validate", "import")
        pack = self.folder("toml-latin1")
        latin1 = self.toml.replace("Was", "Wäs").encode("latin-1", "replace")
        (pack / "demo.toml").write_bytes(latin1)
        self.add("toml-latin1", pack)

    def toml_values(self, count: int) -> None:
        keys = ["id", "version", "task", "thumbnail", "order", "needs_camera", "schema_version",
                "title", "de", "file", "sha256", "size", "mean", "top_k", "labels_en",
                "labels_de", "output", "layout", "activation", "resize_shorter", "model"]
        values = ["3", "-1", "1e400", "nan", "inf", "true", '""', f'"{"x" * 5000}"', "[1, 2]",
                  "{a = 1}", '"../x"', '"/etc/passwd"', '"CON"', '"NUL.txt"', '"a\\u0000b"',
                  f'"{"é" * 300}"', "9" * 4000, "1979-05-27T07:32:00Z",
                  '"image-classification"', '"my-pack\\n"', '"face-privacy"', "[[1], [2]]",
                  '"C:\\\\x.onnx"', '"..\\\\..\\\\x"', '"' + OWN_TOKEN + '"', "[]", "{}"]
        lines = self.toml.splitlines()
        for k in range(count):
            key = self.rng.choice(keys)
            value = self.rng.choice(values)
            idx = [i for i, ln in enumerate(lines) if ln.split("=")[0].strip() == key]
            if not idx:
                continue
            new = list(lines)
            i = self.rng.choice(idx)
            new[i] = f"{key} = {value}"
            pack = self.folder("toml-value")
            (pack / "demo.toml").write_text("\n".join(new) + "\n", encoding="utf-8")
            self.add(f"toml-value-{k}-{key}", pack, *(("validate", "import") if k % 3 == 0
                                                      else ("validate",)))

    def onnx_models(self) -> None:
        base = (self.template / "model.onnx").read_bytes()
        for k in range(8):
            pack = self.folder("onnx-random")
            self.set_model(pack, self.rng.randbytes(self.rng.randint(0, 5000)))
            self.add(f"onnx-random-{k}", pack, "validate", "import")
        for k in range(6):
            pack = self.folder("onnx-truncated")
            self.set_model(pack, base[: self.rng.randint(0, len(base) - 1)])
            self.add(f"onnx-truncated-{k}", pack)
        for k in range(8):
            data = bytearray(base)
            for _ in range(self.rng.randint(1, 6)):
                data[self.rng.randrange(min(len(data), 600))] = self.rng.randrange(256)
            pack = self.folder("onnx-flipped")
            self.set_model(pack, bytes(data))
            self.add(f"onnx-flipped-{k}", pack)
        pack = self.folder("onnx-nested-if")
        self.set_model(pack, nested_if_model(self.root / "nested.onnx", 9).read_bytes())
        self.add("onnx-nested-if", pack)
        from tests.unit.test_pack_hostile_models import (
            endless_loop_model,
            external_model,
            greedy_model,
        )

        pack = self.folder("onnx-endless")
        self.set_model(pack, endless_loop_model(self.root / "endless.onnx").read_bytes())
        self.add("onnx-endless", pack, "validate", "import")
        pack = self.folder("onnx-greedy")
        self.set_model(pack, greedy_model(self.root / "greedy.onnx", 4.0).read_bytes())
        self.add("onnx-greedy", pack)
        for k, location in enumerate(["../outside/secret.txt", str(self.secret),
                                      "../../../../etc/passwd", "sub/../../x", "w\x00.bin",
                                      "CON", ""]):
            src = self.root / f"ext{k}"
            model = external_model(src, location)
            pack = self.folder("onnx-external")
            self.set_model(pack, model.read_bytes())
            self.add(f"onnx-external-{k}", pack, "validate", "import")

    def zips(self) -> None:
        escape = ESCAPE_MARK.encode()
        names = ["../escaped.txt", "../../escaped.txt", "/tmp/escaped-fuzz.txt", "C:\\escaped.txt",
                 "C:/escaped.txt", "..\\escaped.txt", "pack/../../escaped.txt",
                 "pack/./../escaped.txt", "\\\\server\\share\\escaped.txt", "pack/\x00evil.txt",
                 "pack//double.txt", "./pack/x.txt", "pack/CON", "pack/nul.txt", "pack/COM1.onnx",
                 "pack/aux.toml", "pack/LPT1", "pack/bad\nname.txt", "pack/x" + "y" * 300,
                 "pack/trailing.", "pack/a:b", "pack/demo.toml/../../escaped.txt"]
        names += [f"pack/{n}" for n in names if not n.startswith("pack/")]
        for name in names:
            for with_pack in (True, False):
                info = zipfile.ZipInfo("placeholder")
                info.filename = name  # bypass ZipInfo's own cleaning, as a hostile tool would
                out = self.zip_of("slip", [(info, escape)], with_pack)
                self.add(f"zip-slip-{name[:24]!r}-{with_pack}", out, "validate", "import")
        for target in (str(self.secret), "../../outside/secret.txt", "/etc/passwd", "."):
            info = zipfile.ZipInfo("pack/labels_en.txt")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            out = self.zip_of("symlink", [(info, target.encode())], with_pack=False)
            self.add(f"zip-symlink-{target[:20]}", out, "validate", "import")
        dlink = zipfile.ZipInfo("pack/link")
        dlink.external_attr = (stat.S_IFLNK | 0o777) << 16
        out = self.zip_of("dirlink", [(dlink, str(self.outside).encode()),
                                      ("pack/link/escaped.txt", escape)])
        self.add("zip-dirlink-then-file", out, "validate", "import")
        for kind in (stat.S_IFCHR, stat.S_IFIFO, stat.S_IFBLK, stat.S_IFSOCK):
            dev = zipfile.ZipInfo("pack/device")
            dev.external_attr = (kind | 0o666) << 16
            out = self.zip_of("device", [(dev, b"")])
            self.add(f"zip-device-{kind}", out)
        out = self.zip_of("bomb", [("pack/zeros.bin", b"\0" * (40 * 1024 * 1024))])
        self.add("zip-ratio-bomb", out, "validate", "import")
        out = self.zip_of("many", [(f"pack/f{i}", b"") for i in range(1100)])
        self.add("zip-many-entries", out)
        out = self.zip_of("dup", [("pack/demo.toml", self.toml.encode())])
        self.add("zip-duplicate", out)
        out = self.zip_of("dup-case", [("pack/DEMO.toml", b"x")])
        self.add("zip-duplicate-case", out)
        inner = self.zip_of("inner", [])
        out = self.zip_of("nested", [("pack/inner.zip", inner.read_bytes())], with_pack=False)
        self.add("zip-in-zip", out, "validate", "import")
        out = self.zip_of("two-roots", [("other/demo.toml", self.toml.encode())])
        self.add("zip-two-roots", out, "validate", "import")
        out = self.zip_of("valid", [])
        self.add("zip-valid", out, "validate", "import")
        enc = self.zip_of("encrypted", [])
        data = bytearray(enc.read_bytes())
        pos = 0
        while (pos := data.find(b"PK\x01\x02", pos)) >= 0:  # set "encrypted" in every entry
            data[pos + 8] |= 1
            pos += 4
        enc.write_bytes(bytes(data))
        self.add("zip-encrypted-flag", enc)
        lie = self.zip_of("size-lie", [("pack/big.txt", b"A" * 200_000)])
        data = bytearray(lie.read_bytes())
        pos = data.rfind(b"PK\x01\x02")  # central directory entry of the last file
        data[pos + 24:pos + 28] = (10).to_bytes(4, "little")  # claims 10 bytes unpacked
        lie.write_bytes(bytes(data))
        self.add("zip-size-lie", lie, "validate", "import")
        for k in range(16):
            valid = self.zip_of("zip-garbled", []).read_bytes()
            data = bytearray(valid)
            for _ in range(self.rng.randint(1, 20)):
                data[self.rng.randrange(len(data))] = self.rng.randrange(256)
            out = self.root / "cases" / f"{self.n:04d}-garbled{k}.zip"
            out.write_bytes(bytes(data[: self.rng.randint(len(data) // 2, len(data))]))
            self.add(f"zip-garbled-{k}", out, "validate", "import")
        for k in range(6):
            self.n += 1
            out = self.root / "cases" / f"{self.n:04d}-random.zip"
            out.write_bytes(self.rng.randbytes(self.rng.randint(0, 3000)))
            self.add(f"zip-random-{k}", out)

    def zero_config(self) -> None:
        """Bare models with labels beside them (``kiosk packs import model.onnx``)."""
        variants: dict[str, Callable[[Path], None]] = {
            "labels-link": lambda d: (d / "labels.txt").symlink_to(self.secret),
            "labels-de-link": lambda d: (
                shutil.copyfile(BUILTIN / "labels_en.txt", d / "labels.txt"),
                (d / "labels_de.txt").symlink_to(self.secret)),
            "labels-fifo": lambda d: os.mkfifo(d / "labels.txt"),
            "labels-dir": lambda d: (d / "labels.txt").mkdir(),
            "labels-binary": lambda d: (d / "labels.txt").write_bytes(self.rng.randbytes(4000)),
            "labels-999": lambda d: (d / "labels.txt").write_text(
                "".join(f"c{i}\n" for i in range(999)), encoding="utf-8"),
            "labels-sparse-400mb": lambda d: (d / "labels.txt").open("wb").truncate(400 << 20),
            "no-labels": lambda d: None,
        }
        for label, make in variants.items():
            self.n += 1
            folder = self.root / "cases" / f"{self.n:04d}-bare-{label}"
            folder.mkdir(parents=True)
            tiny_classifier(folder / "animals.onnx")
            make(folder)
            self.add(f"bare-{label}", folder / "animals.onnx", "import")
        self.n += 1
        folder = self.root / "cases" / f"{self.n:04d}-bare-model-link"
        folder.mkdir(parents=True)
        (folder / "model.onnx").symlink_to(self.outside / "secret.onnx")
        shutil.copyfile(BUILTIN / "labels_en.txt", folder / "labels.txt")
        self.add("bare-model-link", folder / "model.onnx", "import")
        self.add("bare-folder-model-link", folder, "import")

    def reserved_and_duplicates(self) -> None:
        for pack_id in ("image-classification", "face-privacy", "teach-ai", "draw-digit",
                        "ai-reads"):
            pack = self.folder(f"reserved-{pack_id}")
            text = (pack / "demo.toml").read_text(encoding="utf-8")
            (pack / "demo.toml").write_text(text.replace('id = "fuzz-pack"', f'id = "{pack_id}"'),
                                            encoding="utf-8")
            self.add(f"reserved-{pack_id}", pack, "validate", "import")
        for k in range(3):  # the same id from three folders: each import replaces the last
            pack = self.folder(f"dup-{k}")
            self.add(f"duplicate-id-{k}", pack, "import")


def build_cases(root: Path) -> list[Case]:
    b = Builder(root, random.Random(SEED))
    b.links()
    b.specials()
    b.bad_thumbnails()
    b.toml_syntax()
    b.toml_values(190)
    b.onnx_models()
    b.zips()
    b.zero_config()
    b.reserved_and_duplicates()
    return b.cases


# ---------------------------------------------------------------------------- the child run


def run_fuzz(root: Path) -> dict[str, object]:
    """Feed every case; one record per operation (runs in a fresh interpreter)."""
    from kiosk.runtime.packs import Limits, PackInstaller, validate

    limits = Limits(smoke_seconds=4.0, smoke_memory_bytes=1024**3)
    data = root / "data"
    installer = PackInstaller(data, limits=limits)
    t_build = time.monotonic()
    cases = build_cases(root)
    built = time.monotonic() - t_build
    records: list[dict[str, object]] = []
    texts: list[str] = []
    t0 = time.monotonic()
    for case in cases:
        for op in case.ops:
            start = time.monotonic()
            error = None
            try:
                if op == "validate":
                    report = validate(case.path, limits=limits)
                    texts += [str(p) for p in report.problems]
                    texts.append(json.dumps(report.to_json()))
                else:
                    result = installer.install(case.path)
                    texts.append(json.dumps(result.to_json()))
            except Exception:
                error = traceback.format_exc()
            records.append({"case": case.name, "op": op,
                            "seconds": round(time.monotonic() - start, 3), "error": error})
    feeding = time.monotonic() - t0
    listing_error = None
    try:  # every pack operation still works after all that
        infos = installer.list()
        for info in infos:
            if info.source == "imported" and info.state != "removed":
                installer.remove(info.id)
        texts += [json.dumps(i.to_json()) for i in infos]
    except Exception:
        listing_error = traceback.format_exc()
    return {"records": records, "cases": len(cases), "build_seconds": round(built, 1),
            "feed_seconds": round(feeding, 1), "listing_error": listing_error,
            "secret_in_reports": any(SECRET_TOKEN in t for t in texts)}


def _child_main(root: Path) -> None:
    summary = run_fuzz(root)
    (root / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


# ---------------------------------------------------------------------------- the test


def _written(folder: Path) -> list[str]:
    return [p.relative_to(folder).as_posix() for p in _files_under(folder) if p.is_file()]


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if not p.is_symlink()] if folder.exists() else []


@pytest.mark.slow
def test_fuzz_hostile_packs(tmp_path: Path) -> None:
    root = tmp_path / "fuzz"
    root.mkdir()
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "KIOSK_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from tests.unit.test_fuzz_packs import _child_main; _child_main(Path(sys.argv[1]))",
         str(root)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    took = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((root / "summary.json").read_text(encoding="utf-8"))
    records = summary["records"]
    errors = [r for r in records if r["error"]]
    slowest = max(records, key=lambda r: r["seconds"])
    print(f"\nfuzz: {summary['cases']} cases, {len(records)} operations, "
          f"{len(errors)} uncaught, slowest {slowest['case']} {slowest['op']} "
          f"{slowest['seconds']} s, build {summary['build_seconds']} s, "
          f"feed {summary['feed_seconds']} s, total {took:.1f} s")
    assert summary["cases"] >= 500
    assert not errors, "\n\n".join(f"{r['case']} {r['op']}:\n{r['error']}" for r in errors[:5])
    assert slowest["seconds"] < MAX_CASE_SECONDS
    assert summary["listing_error"] is None, summary["listing_error"]
    assert not summary["secret_in_reports"]
    # nothing written outside the cases and the data dir (onnxruntime's telemetry is off)
    assert _written(home) == [], _written(home)
    assert _written(tmp) == [], _written(tmp)
    assert sorted(p.name for p in (root / "outside").iterdir()) == [
        "secret.onnx", "secret.txt", "t.onnx"]
    escaped = [p for p in tmp_path.rglob("*escaped*") if p.is_file()]
    assert escaped == [] and not Path("/tmp/escaped-fuzz.txt").exists()
    # nothing from outside the packs read into the kiosk's data dir
    data = root / "data"
    for path in _files_under(data):
        if path.is_file() and path.stat().st_size < 50 * 1024 * 1024:
            assert SECRET_TOKEN.encode() not in path.read_bytes(), path
    # the built-in demos still pass self-test with that data dir
    from kiosk.cli import main

    assert main(["self-test", "--data-dir", str(data)]) == 0
