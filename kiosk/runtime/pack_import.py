"""Zero-config import: a model file (plus maybe ``labels.txt``) → a proposed ``demo.toml``.

Staff get a model from a partner or a model zoo; they should not have to know tensor
layouts. Two kinds of model describe themselves well enough:

- an **Ultralytics export** carries ``names``, ``imgsz``, ``task`` and ``stride`` in its ONNX
  metadata: ``task = "detect"`` becomes a ``detection`` pack, ``"classify"`` a
  ``classification`` pack (Ultralytics preprocessing: shorter side → size, centre crop,
  pixel / 255, output already probabilities);
- a **classifier ONNX next to ``labels.txt``** becomes a ``classification`` pack: the input
  size comes from the input shape, ImageNet mean/std unless the metadata says otherwise
  (``mean`` / ``std``), and one trial run tells whether the output is already a probability
  distribution (then no softmax is applied).

The proposal is a complete manifest with the model's sha256; staff only confirm the titles.
Nothing in the model is executed beyond onnxruntime inference; metadata is parsed with
``ast.literal_eval`` (see :mod:`kiosk.runtime.task_detection`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.core.i18n import Text
from kiosk.core.manifest import DEMO_ID_RE, MANIFEST_NAME, SCHEMA_VERSION, ManifestProblem
from kiosk.core.problems import msg
from kiosk.core.safe_read import (
    FileRefused,
    copy_bounded,
    is_regular_file,
    read_text_bounded,
)
from kiosk.core.tasks import classification as cls
from kiosk.core.tasks import detection as det
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel, sha256_of
from kiosk.runtime.task_detection import ModelMeta, literal, parse_metadata

log = logging.getLogger(__name__)

LABELS_EN_FILES = ("labels.txt", "labels_en.txt")
LABELS_DE_FILE = "labels_de.txt"
MAX_COPY_BYTES = 512 * 1024 * 1024  # the per-file bound of kiosk.runtime.packs.Limits
_MODEL_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.onnx")
# Ultralytics task names that are not plain detection or classification
_UNSUPPORTED = {"segment": Text("Segmentierung", "segmentation"),
                "pose": Text("Posenerkennung", "pose estimation"),
                "obb": Text("gedrehte Rahmen", "rotated boxes")}

TEXTS: dict[str, dict[str, str]] = {
    "detection.subtitle": {
        "de": "Die KI findet Dinge im Kamerabild und rahmt sie ein.",
        "en": "The AI finds things in the camera picture and frames them.",
    },
    "detection.how": {
        "de": "Ein neuronales Netz ({model}) schaut sich jedes Kamerabild an und sucht nach "
              "{count} Arten von Dingen. Für jedes Ding, das es findet, zeichnet es einen "
              "Rahmen und schreibt dazu, was es zu sehen glaubt und wie sicher es sich ist.",
        "en": "A neural network ({model}) looks at every camera picture and searches for "
              "{count} kinds of things. For each thing it finds it draws a frame and writes "
              "what it thinks it sees and how sure it is.",
    },
    "classification.subtitle": {
        "de": "Halte etwas in die Kamera – die KI sagt, was sie erkennt.",
        "en": "Hold something up to the camera – the AI says what it recognises.",
    },
    "classification.how": {
        "de": "Ein neuronales Netz ({model}) hat gelernt, {count} Dinge zu unterscheiden. "
              "Es gibt für jedes davon eine Wahrscheinlichkeit aus; die besten zeigt die "
              "Liste.",
        "en": "A neural network ({model}) learned to tell {count} things apart. It gives "
              "each of them a probability; the list shows the best guesses.",
    },
}


@dataclass
class Proposal:
    """A manifest the importer worked out, with the files that go into the pack."""

    source: Path
    model: Path | None = None
    pack_id: str = ""
    task: str | None = None
    manifest: str = ""  # demo.toml text; empty when there are problems
    copy_files: dict[str, Path] = field(default_factory=dict)  # name in pack → source file
    write_files: dict[str, str] = field(default_factory=dict)  # name in pack → text
    notes: list[str] = field(default_factory=list)  # what was inferred, for staff
    problems: list[ManifestProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when a manifest could be proposed."""
        return not self.problems and bool(self.manifest)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"source": str(self.source), "id": self.pack_id or None, "task": self.task,
                "manifest": self.manifest or None, "notes": self.notes,
                "files": sorted({*self.copy_files, *self.write_files, MANIFEST_NAME}),
                "problems": [problem_json(p) for p in self.problems]}


def problem_json(p: ManifestProblem) -> dict[str, str]:
    """A problem as JSON: its parts and the one-line text (English), the catalog keys of
    its message and fix (kiosk.core.problems), and the line in German."""
    return {"file": p.file, "field": p.field, "message": p.message, "fix": p.fix, "text": str(p),
            "key": p.what.key, "fix_key": p.how.key, "de": p.text("de")}


def slug(text: str, fallback: str = "imported-demo") -> str:
    """A demo id from a title or file name: lower-case letters, digits and dashes."""
    ascii_text = (text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
                  .replace("ß", "ss"))
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:48].strip("-")
    return out if DEMO_ID_RE.fullmatch(out) else fallback


def find_model(source: Path) -> tuple[Path | None, list[ManifestProblem]]:
    """The one ``.onnx`` file that ``source`` is or holds (a file or a folder)."""
    if source.is_symlink():
        return None, [ManifestProblem(
            source.name, "", msg("file.symlink"), msg("file.fix.copy_real_model"))]
    if source.is_file():
        if source.suffix.lower() != ".onnx":
            return None, [ManifestProblem(
                source.name, "", msg("import.not_model"), msg("import.fix.not_model"))]
        return source, []
    onnx = sorted(p for p in source.iterdir() if p.suffix.lower() == ".onnx")
    links = [p for p in onnx if not is_regular_file(p)]
    if links:
        return None, [ManifestProblem(
            f"{source.name}/{p.name}", "", msg("import.link_or_special"),
            msg("import.fix.copy_model_in")) for p in links]
    models = onnx
    if len(models) == 1:
        return models[0], []
    if not models:
        return None, [ManifestProblem(
            source.name, "", msg("import.empty"), msg("import.fix.empty"))]
    names = ", ".join(p.name for p in models)
    return None, [ManifestProblem(
        source.name, "", msg("import.many_models", count=len(models), names=names),
        msg("import.fix.many_models"))]


def _fixed(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def _sample_image() -> np.ndarray:
    """A real photo for the trial run (a synthetic gradient if the assets are missing)."""
    from kiosk.core.paths import sample_media_dir
    from kiosk.runtime.sources import image_files, load_image

    folder = sample_media_dir()
    for path in image_files(folder) if folder.is_dir() else []:
        img = load_image(path)
        if img is not None:
            return img
    ramp = np.linspace(0, 255, 320, dtype=np.uint8)
    return np.stack([np.tile(ramp, (240, 1))] * 3, axis=2)


def _floats(meta: Mapping[str, str], key: str) -> tuple[float, float, float] | None:
    if key not in meta:
        return None
    try:
        value = literal(meta[key])
    except ValueError:
        return None
    if (isinstance(value, list | tuple) and len(value) == 3
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        return float(value[0]), float(value[1]), float(value[2])
    return None


def _read_lines(path: Path) -> list[str] | None:
    try:
        return cls.read_labels(read_text_bounded(path, what="Labels file"))
    except FileRefused:
        return None


def _side_file(folder: Path, names: Collection[str], prop: Proposal) -> Path | None:
    """The first of ``names`` beside the model, if it is a plain file; a link or anything
    else under that name is a problem (it could point anywhere: /etc/passwd, /dev/zero)."""
    for name in names:
        path = folder / name
        if not path.exists() and not path.is_symlink():
            continue
        if not is_regular_file(path):
            prop.problems.append(ManifestProblem(
                name, "", msg("import.link_or_special"), msg("import.fix.copy_file")))
            return None
        try:
            read_text_bounded(path, what="Labels file")
        except FileRefused as exc:
            prop.problems.append(ManifestProblem(
                name, "", exc.msg, msg("import.fix.labels")))
            return None
        return path
    return None


def propose(
    source: Path, title_de: str | None = None, title_en: str | None = None,
    reserved_ids: Collection[str] = (),
) -> Proposal:
    """Work out a manifest for ``source`` (an .onnx file or a folder holding one).

    ``reserved_ids`` (the built-in demos) are avoided by adding ``-pack`` to the id.
    """
    prop = Proposal(source=source)
    model_file, problems = find_model(source)
    if model_file is None:
        prop.problems = problems
        return prop
    prop.model = model_file
    folder = model_file.parent
    stem = model_file.stem
    title_en = (title_en or title_de or stem).strip() or stem
    title_de = (title_de or title_en).strip() or stem
    pack_id = slug(title_en if title_en != stem else stem)
    if pack_id in reserved_ids:
        pack_id = f"{pack_id}-pack"[:48]
    prop.pack_id = pack_id
    weights = _external_weights(model_file, prop)
    if prop.problems:
        return prop  # never let onnxruntime open weights outside the model's folder
    try:
        model = OnnxModel(model_file)
    except ModelLoadError as exc:
        prop.problems.append(ManifestProblem(
            model_file.name, "", exc.short, msg("model.fix.copy_again")))
        return prop
    meta = parse_metadata(model.metadata())
    for text in meta.problems:
        prop.notes.append(f"{model_file.name}: {text} (ignored)")
    pack_model = model_file.name if _MODEL_NAME_RE.fullmatch(model_file.name) else "model.onnx"
    prop.copy_files[pack_model] = model_file
    labels_en_file = _side_file(folder, LABELS_EN_FILES, prop)
    labels_de_file = _side_file(folder, (LABELS_DE_FILE,), prop)
    if prop.problems:
        return prop

    params: dict[str, Any] | None
    if meta.task in _UNSUPPORTED:
        prop.problems.append(ManifestProblem(
            model_file.name, "metadata task", msg("import.unsupported", task=repr(meta.task),
                                                  kind=_UNSUPPORTED[meta.task]),
            msg("import.fix.unsupported")))
        return prop
    if meta.task == "detect" or (meta.task is None and meta.names is not None
                                 and _looks_like_detector(model)):
        prop.task = "detection"
        params = _detection_params(model, meta, labels_de_file, prop)
    elif meta.task == "classify":
        prop.task = "classification"
        params = _ultralytics_classifier_params(model, meta, labels_de_file, prop)
    elif labels_en_file is not None:
        labels = _read_lines(labels_en_file) or []
        if _looks_like_detector(model):
            prop.task = "detection"
            params = _detection_params(model, meta, labels_de_file, prop, labels_en_file, labels)
        else:
            prop.task = "classification"
            params = _classifier_params(model, model.metadata(), labels_en_file, labels,
                                        labels_de_file, prop)
    else:
        prop.problems.append(ManifestProblem(
            model_file.name, "", msg("import.unknown_task"), msg("import.fix.unknown_task")))
        return prop
    if params is None or prop.problems:
        return prop
    count = len(meta.names or []) or _label_count(prop, folder)
    prop.manifest = render_manifest(
        pack_id=pack_id, task=prop.task, title_de=title_de, title_en=title_en,
        model_file=pack_model, sha256=sha256_of(model_file), params=params, weights=weights,
        texts=TEXTS[f"{prop.task}.subtitle"],
        how={k: v.format(model=stem, count=count or ("viele" if k == "de" else "many"))
             for k, v in TEXTS[f"{prop.task}.how"].items()},
        source=model_file.name, ultralytics=meta.ultralytics,
        about=_about(model.metadata(), model_file.name, prop.task, count))
    return prop


def _external_weights(model_file: Path, prop: Proposal) -> dict[str, str]:
    """The model's external weight files (name → sha256), copied into the pack with it;
    a problem for any that is not a plain file beside the model."""
    from kiosk.runtime.onnx_external import external_problems, model_external_refs

    problems = external_problems(model_file, None, sha256_of)
    for message, fix in problems:
        prop.problems.append(ManifestProblem(model_file.name, "external data", message, fix))
    if problems:
        return {}
    try:
        names = sorted({r.location for r in model_external_refs(model_file)})
    except (OSError, ValueError):
        return {}  # not a readable protobuf: loading it reports the problem
    for name in names:
        prop.copy_files[name] = model_file.parent / name
    if names:
        prop.notes.append(f"weights in {', '.join(names)} (copied, covered by sha256)")
    return {name: sha256_of(model_file.parent / name) for name in names}


def _about(
    meta: Mapping[str, str], file: str, task: str, count: int,
) -> dict[str, str] | None:
    """A visitor model card from Ultralytics metadata (``None`` unless it names a licence:
    a card must never guess where a model comes from or under which terms)."""
    description = meta.get("description", "").strip()
    licence = meta.get("license", "").strip()
    if not description or not licence:
        return None
    author = meta.get("author", "").strip() or "unknown author"
    version = meta.get("version", "").strip()
    what = "Arten von Dingen" if task == "detection" else "Klassen"
    what_en = "kinds of things" if task == "detection" else "classes"
    return {
        "model": description[:200],
        "source": f"{author} {version} ONNX export ({file})".replace("  ", " "),
        "licence": licence[:200],
        "limits_de": f"Kennt nur die {count} {what}, die es gelernt hat. Kleine, verdeckte "
                     "oder ungewöhnliche Dinge übersieht oder verwechselt es oft.",
        "limits_en": f"Knows only the {count} {what_en} it learned. It often misses or mixes "
                     "up small, hidden or unusual things.",
    }


def _label_count(prop: Proposal, folder: Path) -> int:
    for name, path in prop.copy_files.items():
        if name.endswith(".txt") and "_de" not in name:
            return len(_read_lines(path) or [])
    for name, text in prop.write_files.items():
        if name.endswith(".txt"):
            return len(cls.read_labels(text))
    return 0


def _looks_like_detector(model: OnnxModel) -> bool:
    shape = list(model.session.get_outputs()[0].shape)
    if len(shape) != 3:
        return False
    fmt, reason = det.detect_format([_fixed(d) for d in shape])
    return fmt is not None or "several" in reason


def _input_hw(model: OnnxModel) -> tuple[tuple[int, int] | None, str]:
    """Fixed (height, width) of an image input and its layout."""
    shape = list(model.session.get_inputs()[0].shape)
    if len(shape) != 4:
        return None, "NCHW"
    layout = "NHWC" if _fixed(shape[3]) == 3 and _fixed(shape[1]) != 3 else "NCHW"
    h, w = (shape[2], shape[3]) if layout == "NCHW" else (shape[1], shape[2])
    fh, fw = _fixed(h), _fixed(w)
    return ((fh, fw) if fh and fw else None), layout


def _detection_params(
    model: OnnxModel, meta: ModelMeta, labels_de_file: Path | None, prop: Proposal,
    labels_en_file: Path | None = None, labels: list[str] | None = None,
) -> dict[str, Any] | None:
    fixed, layout = _input_hw(model)
    size = meta.imgsz or fixed or (det.DEFAULT_SIZE, det.DEFAULT_SIZE)
    names = meta.names or labels
    out_shape = [_fixed(d) for d in model.session.get_outputs()[0].shape]
    fmt, reason = det.detect_format(out_shape, len(names) if names else None, meta.end2end)
    if fmt is None:
        prop.problems.append(ManifestProblem(
            prop.model.name if prop.model else "model", f"output {model.output_names[0]}",
            msg("detail", detail=reason), msg("import.fix.output_format")))
        return None
    params: dict[str, Any] = {"size": list(size)}
    if layout != "NCHW":
        params["layout"] = layout
    params["output_format"] = fmt
    params["score_threshold"] = det.DetectionParams.score_threshold
    params["iou_threshold"] = det.DetectionParams.iou_threshold
    params["max_detections"] = det.DetectionParams.max_detections
    source = "its metadata" if meta.names else "labels"
    prop.notes.append(f"detection model ({fmt} layout), input {size[0]}x{size[1]}, "
                      f"{len(names) if names else 'unknown number of'} classes from {source}")
    if labels_en_file is not None and not meta.names:
        prop.copy_files[labels_en_file.name] = labels_en_file
        params["labels_en"] = labels_en_file.name
    if labels_de_file is not None:
        prop.copy_files[labels_de_file.name] = labels_de_file
        params["labels_de"] = labels_de_file.name
    elif names and det.german_labels(names):
        prop.notes.append("German class names: built in (COCO classes)")
    else:
        prop.notes.append("no labels_de.txt: German visitors see the English class names")
    return params


def _ultralytics_classifier_params(
    model: OnnxModel, meta: ModelMeta, labels_de_file: Path | None, prop: Proposal,
) -> dict[str, Any] | None:
    fixed, layout = _input_hw(model)
    size = meta.imgsz or fixed or (224, 224)
    names = meta.names or []
    prop.write_files["labels_en.txt"] = "\n".join(names) + "\n"
    params: dict[str, Any] = {
        "output": model.output_names[0], "activation": "none", "size": list(size),
        "resize_shorter": min(size), "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0],
        "colour": "RGB", "layout": layout, "top_k": min(5, max(1, len(names))),
        "labels_en": "labels_en.txt",
    }
    if labels_de_file is not None:
        prop.copy_files[labels_de_file.name] = labels_de_file
        params["labels_de"] = labels_de_file.name
    prop.notes.append(f"Ultralytics classifier, input {size[0]}x{size[1]}, {len(names)} classes "
                      "(labels_en.txt written from its metadata)")
    return params


def _classifier_params(
    model: OnnxModel, meta: Mapping[str, str], labels_file: Path, labels: list[str],
    labels_de_file: Path | None, prop: Proposal,
) -> dict[str, Any] | None:
    name = prop.model.name if prop.model else "model"
    shape = list(model.session.get_inputs()[0].shape)
    if len(shape) != 4:
        prop.problems.append(ManifestProblem(
            name, f"input {model.input_name}", msg("fit.input_dims", count=len(shape), shape=shape),
            msg("fit.fix.image_model")))
        return None
    fixed, layout = _input_hw(model)
    size = fixed or (224, 224)
    mean = _floats(meta, "mean") or (0.485, 0.456, 0.406)
    std = _floats(meta, "std") or (0.229, 0.224, 0.225)
    p = cls.ClassificationParams(
        size=size, resize_shorter=round(min(size) / 0.875), mean=mean, std=std,
        layout="NHWC" if layout == "NHWC" else "NCHW", output=model.output_names[0])
    activation = "softmax"
    try:
        out = np.asarray(model.run([model.output_names[0]], cls.preprocess(_sample_image(), p))[0],
                         dtype=np.float64).reshape(-1)
    except Exception as exc:  # onnxruntime raises many types; the trial run only advises
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        prop.problems.append(ManifestProblem(
            name, "", msg("import.trial_failed", detail=f"{type(exc).__name__}: {first}"),
            msg("trial.fix.rgb")))
        return None
    if out.size and np.all((out >= -1e-4) & (out <= 1 + 1e-4)) and abs(out.sum() - 1) < 1e-2:
        activation = "none"
        prop.notes.append("the model outputs probabilities already: no softmax applied")
    if out.size != len(labels):
        prop.problems.append(ManifestProblem(
            labels_file.name, "", msg("fit.label_count", labels=len(labels), classes=out.size),
            msg("import.fix.label_count")))
        return None
    prop.copy_files[labels_file.name] = labels_file
    params: dict[str, Any] = {
        "output": model.output_names[0], "activation": activation, "size": list(size),
        "resize_shorter": p.resize_shorter, "mean": list(mean), "std": list(std),
        "colour": "RGB", "layout": p.layout, "top_k": min(5, len(labels)),
        "labels_en": labels_file.name,
    }
    if labels_de_file is not None:
        prop.copy_files[labels_de_file.name] = labels_de_file
        params["labels_de"] = labels_de_file.name
    else:
        prop.notes.append("no labels_de.txt: German visitors see the English labels")
    stats = "from its metadata" if _floats(meta, "mean") else "ImageNet defaults"
    prop.notes.append(f"classifier, input {size[0]}x{size[1]} ({p.layout}), {len(labels)} "
                      f"classes, mean/std {stats}")
    return params


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes (\n, \", \\, \uXXXX) are valid TOML basic-string escapes
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def render_manifest(
    *, pack_id: str, task: str, title_de: str, title_en: str, model_file: str, sha256: str,
    params: Mapping[str, Any], texts: Mapping[str, str], how: Mapping[str, str], source: str,
    ultralytics: bool, about: Mapping[str, str] | None = None,
    weights: Mapping[str, str] | None = None,
) -> str:
    """The proposed ``demo.toml`` text, commented for staff who edit it later."""
    origin = "its Ultralytics metadata" if ultralytics else "its input/output shapes and labels"
    lines = [
        f"# Proposed by `kiosk packs import` from {source} ({origin}).",
        "# Edit the titles and texts as you like; see docs/demo-packs.md for every field.",
        f"schema_version = {SCHEMA_VERSION}",
        f"id = {_toml_value(pack_id)}",
        'version = "1.0.0"',
        f"task = {_toml_value(task)}",
        "order = 100",
        "",
        "[title]",
        f"de = {_toml_value(title_de)}",
        f"en = {_toml_value(title_en)}",
        "",
        "[subtitle]",
        f"de = {_toml_value(texts['de'])}",
        f"en = {_toml_value(texts['en'])}",
        "",
        "[how_it_works]",
        f"de = {_toml_value(how['de'])}",
        f"en = {_toml_value(how['en'])}",
        "",
        "[models.main]",
        f"file = {_toml_value(model_file)}",
        f"sha256 = {_toml_value(sha256)}",
        *(["", "# The model's external weight files and their sha256.", "[models.main.data]",
            *(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in weights.items())]
          if weights else []),
        "",
        "[params]",
        *(f"{k} = {_toml_value(v)}" for k, v in params.items()),
    ]
    if about:
        lines += [
            "",
            "# The model card visitors can open; taken from the model's metadata.",
            "[about]",
            f"model = {_toml_value(about['model'])}",
            f"source = {_toml_value(about['source'])}",
            f"licence = {_toml_value(about['licence'])}",
            "",
            "[about.limits]",
            f"de = {_toml_value(about['limits_de'])}",
            f"en = {_toml_value(about['limits_en'])}",
        ]
    return "\n".join(lines) + "\n"


def write_pack(prop: Proposal, dest: Path) -> Path:
    """Create the pack folder ``dest`` from a proposal: model, labels, ``demo.toml``."""
    if not prop.ok:
        raise ValueError("the proposal has problems; nothing to write")
    dest.mkdir(parents=True, exist_ok=False)
    for name, src in prop.copy_files.items():
        copy_bounded(src, dest / name, MAX_COPY_BYTES, "File")  # never through a link
    for name, text in prop.write_files.items():
        (dest / name).write_text(text, encoding="utf-8")
    (dest / MANIFEST_NAME).write_text(prop.manifest, encoding="utf-8")
    log.info("proposed pack %s (%s) written to %s", prop.pack_id, prop.task, dest)
    return dest
