"""The semantic layer with the real encoder on real text: training determinism, the layer file,
how rules and layer combine in the live coach, bad input, and the encoder missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coach.engine import LiveCoach, analyze_utterances
from coach.semantic.classifier import fit_logistic, predict
from coach.semantic.embeddings import EmbeddingStore
from coach.semantic.examples import Example, ExampleError, read_line_file, shipped_examples
from coach.semantic.layer import SHIPPED_LAYER, LayerError, SemanticLayer
from coach.semantic.service import load_layer
from coach.semantic.train import calibration_calls, choose_threshold, train
from coach.types import Utterance

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def encoder():
    from coach.semantic.encoder import load_encoder

    return load_encoder()


@pytest.fixture(scope="module")
def layer(encoder) -> SemanticLayer:
    return SemanticLayer.load(SHIPPED_LAYER, encoder)


def test_fit_is_deterministic_and_separates() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 20)).astype(np.float32)
    y = (x[:, 0] + 0.3 * x[:, 1] > 0).astype(float)
    a = fit_logistic(x, y, 0.3)
    b = fit_logistic(x, y, 0.3)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]
    acc = np.mean((predict(x, *a) > 0.5) == (y > 0.5))
    assert acc > 0.95


def test_a_line_encoded_now_is_the_vector_the_store_gives_back(encoder, tmp_path: Path) -> None:
    """The first retrain after new examples (encoded in that run) and every later one (read
    back from the float16 store) must see the same vectors, so they write the same layer."""
    texts = ["everyone in your space has already switched", "with respect that's not how it works"]
    fresh = EmbeddingStore()
    now = fresh.embed(texts, encoder.encode)
    fresh.save(tmp_path / "store.npz")
    again = EmbeddingStore.load(tmp_path / "store.npz")
    assert np.array_equal(now, again.embed(texts, encoder.encode)) and again.added == 0


def test_training_twice_gives_the_same_layer(encoder, tmp_path: Path) -> None:
    examples = shipped_examples()[::7]  # a slice keeps it quick; the code path is the full one
    calls = calibration_calls()[:6]
    store = EmbeddingStore.load(SHIPPED_LAYER.with_name("semantic_embeddings.npz"))
    one = train(examples, calls, encoder.encode, store).layer
    two = train(examples, calls, encoder.encode, store).layer
    for kind, m in one.kinds.items():
        assert np.array_equal(m.weights, two.kinds[kind].weights)
        assert m.threshold == two.kinds[kind].threshold
    one.save(tmp_path / "l.npz")
    back = SemanticLayer.load(tmp_path / "l.npz", encoder)
    assert set(back.kinds) == set(one.kinds)
    s1 = back.score("with respect you're wrong about that", "our vendor is fine")
    s2 = one.with_thresholds({}).score_vectors(
        encoder.encode(["with respect you're wrong about that"])[0],
        encoder.encode(["our vendor is fine"])[0],
        "with respect you're wrong about that",
        "our vendor is fine",
    )
    for kind in s1:
        assert abs(s1[kind].score - s2[kind].score) < 1e-3
    assert back.vocab == one.vocab and back.kinds["arguing"].words is not None
    for kind, m in one.kinds.items():
        assert np.array_equal(m.words.ratios, two.kinds[kind].words.ratios)
        assert np.allclose(m.words.ratios, back.kinds[kind].words.ratios)


def test_the_word_model_weighs_the_words_that_argue_and_press(layer: SemanticLayer) -> None:
    # Real lines the encoder alone ranks poorly: sarcasm and fear of loss on the prospect's
    # topic sit as close to harmless lines as to bad ones; their words tell them apart.
    def words(kind: str, line: str) -> float:
        return float(layer.kinds[kind].words.probability(layer.word_rows([line]))[0])

    assert words("arguing", "oh sure because nobody ever needed a second screen") > 0.5
    assert words("arguing", "oh sure because nobody ever needed a second screen") > words(
        "arguing", "sure we can add a second screen at the front desk"
    ) + 0.3
    assert words("pressure", "do you really want to be the last shop in town still doing it by hand") > (
        words("pressure", "how many shops in town do you work with today") + 0.3
    )
    # The final score mixes both models; a line's words alone never decide it.
    s = layer.score("oh sure because nobody ever needed a second screen")["arguing"].score
    assert 0.0 < s < 1.0


def test_a_format_2_layer_still_loads_and_scores_on_the_encoder_alone(
    layer: SemanticLayer, encoder, tmp_path: Path
) -> None:
    import dataclasses

    old = SemanticLayer(
        {k: dataclasses.replace(m, words=None) for k, m in layer.kinds.items()},
        layer.vectors, layer.texts, dict(layer.meta),
    )
    path = old.save(tmp_path / "v2.npz")
    with np.load(path) as z:
        arrays = dict(z)
    meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
    meta["format"] = 2
    del meta["vocab"]
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(path, **arrays)
    back = SemanticLayer.load(path, encoder)
    assert back.vocab == () and all(m.words is None for m in back.kinds.values())
    line = "with respect that is not how this works"
    scores = back.score(line)
    assert set(scores) == set(layer.kinds)
    assert all(0.0 <= s.score <= 1.0 for s in scores.values())
    meta["format"] = 1
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(path, **arrays)
    with pytest.raises(LayerError, match="format 1.*coach train"):
        SemanticLayer.load(path, encoder)


def test_shipped_layer_covers_the_five_kinds(layer: SemanticLayer) -> None:
    assert set(layer.kinds) == {
        "arguing", "pressure", "vague_language", "false_familiarity", "content_dump"
    }
    assert len(layer.texts) == len(layer.vectors) > 1000
    for m in layer.kinds.values():
        assert 0.5 <= m.threshold <= 1.01
        assert len(m.labels) == len(layer.texts)
        assert (m.labels == 1).sum() > 100 and (m.labels == 0).sum() > 1000
        assert m.knn_scale > 0  # closer to the positives than the negatives: more likely


def test_a_damaged_layer_file_is_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "semantic_layer.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LayerError, match="coach train"):
        SemanticLayer.load(bad)
    with pytest.raises(LayerError, match="No semantic layer"):
        SemanticLayer.load(tmp_path / "missing.npz")


def test_threshold_keeps_precision_on_calibration_lines() -> None:
    scores = np.array([0.99, 0.97, 0.9, 0.8, 0.7, 0.6, 0.2])
    want = np.array([True, True, False, True, False, False, False])
    rule = np.zeros(7, dtype=bool)
    gate = np.ones(7, dtype=bool)
    t, at, _ = choose_threshold(scores, rule, want, gate, 0.95)
    assert 0.9 < t < 0.97  # takes the two sure ones, stops before the harmless 0.9
    assert at["fp"] == 0 and at["tp"] == 2
    t_all_quiet, _, _ = choose_threshold(scores, rule, np.zeros(7, dtype=bool), gate, 0.95)
    assert t_all_quiet > 0.99  # nothing to gain: only above every harmless line


def test_rule_hits_keep_words_and_the_layer_adds_what_rules_miss(layer) -> None:
    coach = LiveCoach(previous_calls=0, semantic=layer)
    coach.add_utterance(Utterance("prospect", 0, 3, "we tried a tool like yours and it failed"))
    got = coach.add_utterance(Utterance("rep", 3.5, 6, "that's not true"))
    assert got and got[0].kind == "arguing" and got[0].source == "rule" and got[0].trigger
    assert got[0].score is not None  # the layer scored the rule hit too
    prospect, line = "we have never been hacked", "i mean that is a pretty naive way to look at security"
    no_layer = LiveCoach(previous_calls=0)
    no_layer.add_utterance(Utterance("prospect", 7, 9, prospect))
    assert not no_layer.add_utterance(Utterance("rep", 9.5, 13, line))  # no rule has "naive"
    score = layer.score(line, prospect)["arguing"]
    assert score.score > 0.5  # the layer sees it; where it cuts is the calibrated threshold
    # A cut just below this line's score: the card is the layer's, with what it resembles.
    low = layer.with_thresholds({"arguing": score.score - 1e-3})
    coach = LiveCoach(previous_calls=0, semantic=low)
    coach.add_utterance(Utterance("prospect", 7, 9, prospect))
    got = coach.add_utterance(Utterance("rep", 9.5, 13, line))
    assert [f.kind for f in got] == ["arguing"]
    f = got[0]
    assert f.source == "semantic" and f.score == pytest.approx(score.score, abs=1e-3)
    assert f.resembles == score.resembles and f.suggestion and f.label == "Arguing"
    assert f.trigger == ""  # no highlighted words: the card names the example instead
    assert json.loads(json.dumps(f.to_json()))["source"] == "semantic"
    coach.add_utterance(Utterance("prospect", 14, 16, "we have about forty people on the team"))
    assert not coach.add_utterance(Utterance("rep", 16.5, 19, "what does a normal week look like"))


def test_familiarity_from_the_layer_needs_a_first_call(layer) -> None:
    line = "great to reconnect with you again it's been a while since we chatted"
    first = analyze_utterances([Utterance("rep", 0, 3, line)], 0, semantic=layer)
    later = analyze_utterances([Utterance("rep", 0, 3, line)], 2, semantic=layer)
    unknown = analyze_utterances([Utterance("rep", 0, 3, line)], None, semantic=layer)
    assert "false_familiarity" in {f.kind for f in first.flags}
    assert "false_familiarity" not in {f.kind for f in later.flags}
    assert "false_familiarity" not in {f.kind for f in unknown.flags}


def test_good_corpus_calls_stay_quiet_with_the_layer(layer) -> None:
    from coach.analyze import read_transcript

    for f in sorted((ROOT / "tests" / "corpus").glob("*good*.json")):
        utts, prev = read_transcript(f)
        flags = analyze_utterances(utts, prev, semantic=layer).flags
        assert not [x for x in flags if x.source == "semantic"], (f.name, flags)


def test_a_lead_threshold_in_the_pack_wins(layer, tmp_path: Path) -> None:
    import shutil

    from coach.rules.pack import load_pack

    pack_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "resources" / "rules", pack_dir)
    text = (pack_dir / "semantic.yaml").read_text()
    (pack_dir / "semantic.yaml").write_text(
        text.replace("    label: Arguing\n", "    label: Arguing\n    threshold: 0.999999\n")
    )
    coach = LiveCoach(load_pack(pack_dir), previous_calls=0, semantic=layer)
    assert coach.semantic.kinds["arguing"].threshold == pytest.approx(0.999999)
    assert coach.semantic.kinds["pressure"].threshold == layer.kinds["pressure"].threshold


def test_a_kind_aims_for_the_precision_its_pack_sets(tmp_path: Path) -> None:
    """semantic.yaml's `target_precision:` is what `coach train` aims for on the calibration
    calls (pressure 0.92, the others 0.95); a bad value names the file and line."""
    import shutil

    from coach.rules.pack import RulePackError, load_pack

    points = SemanticLayer.load(SHIPPED_LAYER).meta["report"]["operating_points"]
    assert points["pressure"]["target_precision"] == pytest.approx(0.92)
    assert points["arguing"]["target_precision"] == pytest.approx(0.95)
    for kind, point in points.items():
        assert point["calibration"]["precision"] >= min(
            point["target_precision"], point["calibration_rules_only"]["precision"] or 1.0
        ), kind
    pack_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "resources" / "rules", pack_dir)
    text = (pack_dir / "semantic.yaml").read_text()
    (pack_dir / "semantic.yaml").write_text(
        text.replace("target_precision: 0.92", "target_precision: 92")
    )
    with pytest.raises(RulePackError, match=r"semantic\.yaml line \d+: target_precision must"):
        load_pack(pack_dir)


def test_broken_example_files_are_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("lines:\n  - {rep: 'fine', kinds: [shouting]}\n")
    with pytest.raises(ExampleError, match="Unknown kind 'shouting'"):
        read_line_file(bad)
    bad.write_text("lines:\n  - {rep: '   ', kinds: []}\n")
    with pytest.raises(ExampleError, match="must be a line of text"):
        read_line_file(bad)
    bad.write_text("lines: [")
    with pytest.raises(ExampleError, match="cannot be read"):
        read_line_file(bad)


def test_familiarity_labels_only_count_on_first_calls() -> None:
    assert Example("as we discussed", "", frozenset(), 2).labels("false_familiarity") is None
    assert Example("as we discussed", "", frozenset(), None).labels("false_familiarity") is None
    assert Example("as we discussed", "", frozenset(), 0).labels("false_familiarity") is False
    assert Example("x", "", frozenset({"arguing"}), 3).labels("arguing") is True


def test_without_an_encoder_the_coach_says_so_and_runs_on_rules(tmp_path: Path) -> None:
    env = dict(os.environ, CALLCOACH_ENCODER=str(tmp_path / "nowhere"),
               CALLCOACH_DATA_DIR=str(tmp_path / "data"), CALLCOACH_MODELS_DIR=str(tmp_path / "m"))
    loaded = subprocess.run(
        [sys.executable, "-c",
         ("from coach.semantic.service import load_layer; l = load_layer(); "
          "print(l.layer is None); print(l.message)")],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    none, message = loaded.stdout.strip().splitlines()
    assert none == "True" and message.startswith("The coach runs on")
    assert message.count(".") >= 1 and "\n" not in message
    r = subprocess.run(
        [sys.executable, "main.py", "analyze", "tests/corpus/06_arguing.json", "--json"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert r.returncode == 0
    assert {f["source"] for f in json.loads(r.stdout)["flags"]} == {"rule"}
    assert r.stderr.strip().startswith("The coach runs on")
    assert len(r.stderr.strip().splitlines()) == 1


def test_load_layer_prefers_the_retrained_one(tmp_path: Path, layer) -> None:
    layer.save(tmp_path / "semantic_layer.npz")
    got = load_layer(tmp_path)
    assert got.layer is not None and got.path == tmp_path / "semantic_layer.npz"
    assert "retrained" in got.message
    assert load_layer(tmp_path / "empty").path == SHIPPED_LAYER


TEACH = [
    ("arguing", "your whole way of scheduling is pretty old fashioned to be honest",
     "we do the schedule on a whiteboard"),
    ("arguing", "honestly that approach to rostering is way out of date", "we plan shifts on paper"),
    ("arguing", "your scheduling process is really behind the times",
     "we use a spreadsheet for the schedule"),
    ("pressure", "owners who hesitate on this usually ring me back panicking", "maybe next year"),
    ("pressure", "the ones who hold off on this always end up calling back in a panic",
     "we'll revisit in the fall"),
    ("pressure", "people who dither on this nearly always phone me later in a panic",
     "not this quarter"),
]
MISSED = [  # what the coach misses today; never taught itself, only paraphrased above
    ("arguing", "honestly your whole approach to scheduling is just outdated",
     "we schedule with a whiteboard"),
    ("pressure", "most owners who hesitate on this end up calling me back in a panic",
     "we'll look at it next year"),
]


def _kinds_on(layer, rep: str, prospect: str) -> set[str]:
    coach = LiveCoach(previous_calls=0, semantic=layer)
    coach.add_utterance(Utterance("prospect", 0, 2, prospect))
    return {f.kind for f in coach.add_utterance(Utterance("rep", 3, 5, rep))}


def test_teaching_paraphrases_makes_missed_lines_fire(encoder, layer, tmp_path: Path) -> None:
    """The lead's path: `coach examples add` a few paraphrases, `coach train`, and the lines
    the coach missed now get a card; the good calls of the corpus stay quiet."""
    for kind, rep, _ in MISSED:
        assert kind not in _kinds_on(layer, rep, _)
    env = dict(os.environ, CALLCOACH_DATA_DIR=str(tmp_path))
    for kind, rep, prospect in TEACH:
        r = subprocess.run(
            [sys.executable, "main.py", "coach", "examples", "add", "--kind", kind, rep,
             "--prospect", prospect, "--by", "lead"],
            check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
        assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [sys.executable, "main.py", "coach", "train", "--json"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["seconds"]["total"] < 60
    assert set(report["labelled_lines"]) >= {"before", "after"}
    taught = SemanticLayer.load(tmp_path / "semantic_layer.npz", encoder)
    for kind, rep, prospect in MISSED:
        assert kind in _kinds_on(taught, rep, prospect), (kind, rep)
        assert taught.score(rep, prospect)[kind].resembles in {t[1] for t in TEACH}
    from coach.analyze import read_transcript

    for f in sorted((ROOT / "tests" / "corpus").glob("*good*.json")):
        utts, prev = read_transcript(f)
        flags = analyze_utterances(utts, prev, semantic=taught).flags
        assert not [x for x in flags if x.source == "semantic"], (f.name, flags)
    # analyze (a new process) now uses the retrained layer from the data folder
    out = subprocess.run(
        [sys.executable, "main.py", "analyze", "tests/corpus/01_good_discovery.json", "--json"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr


def test_coach_examples_bad_input_changes_nothing(tmp_path: Path) -> None:
    env = dict(os.environ, CALLCOACH_DATA_DIR=str(tmp_path))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "main.py", "coach", "examples", *args],
                              check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=60)

    bad_kind = run("add", "--kind", "shouting", "you are wrong")
    empty = run("add", "--kind", "arguing", "   ")
    broken = tmp_path / "broken.yaml"
    broken.write_text("lines:\n  - {rep: 'fine line', kinds: []}\n  - {rep: 'x', kinds: [nope]}\n")
    imported = run("import", str(broken))
    for r in (bad_kind, empty, imported):
        assert r.returncode == 2
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Unknown kind" in bad_kind.stderr and "line of text" in empty.stderr
    listed = run("list", "--json")
    assert json.loads(listed.stdout) == []
    ok = run("add", "--quiet", "sure thing talk thursday")
    assert ok.returncode == 0
    exported = tmp_path / "team.yaml"
    assert run("export", str(exported)).returncode == 0
    again = run("import", str(exported))
    assert again.returncode == 0 and "0 examples added, 1 already there" in again.stdout


def test_the_veto_drops_a_rule_false_alarm_the_layer_scores_low(layer) -> None:
    from coach.engine import default_pack

    assert default_pack().semantic_veto == pytest.approx(0.1)  # resources/rules/semantic.yaml

    def kinds(semantic, prospect: str, rep: str) -> list[tuple[str, str]]:
        coach = LiveCoach(previous_calls=0, semantic=semantic)
        coach.add_utterance(Utterance("prospect", 0, 2, prospect))
        return [(f.kind, f.source) for f in coach.add_utterance(Utterance("rep", 2.5, 5, rep))]

    # "there isn't" answers the prospect's condition; the rule reads it as a contradiction.
    prospect, line = "as long as there's no charge for setup", "there isn't can we pencil in the install for friday morning"
    assert kinds(None, prospect, line) == [("arguing", "rule")]
    assert layer.score(line, prospect)["arguing"].score < 0.1
    assert kinds(layer, prospect, line) == []
    # A real contradiction keeps its rule card: the layer scores it far above the veto.
    prospect, line = "we tried a tool like yours and it failed", "that's not true"
    assert layer.score(line, prospect)["arguing"].score > 0.5
    assert ("arguing", "rule") in kinds(layer, prospect, line)


def test_the_word_model_scores_the_same_under_any_string_hashing() -> None:
    # Sets of words iterate in an order that follows PYTHONHASHSEED; the layer file and every
    # score must not (a retrain of the same data writes the same file).
    code = (
        "from coach.semantic.layer import SemanticLayer, SHIPPED_LAYER; "
        "l = SemanticLayer.load(SHIPPED_LAYER); "
        "rows = l.word_rows(['oh sure because nobody ever needed a second screen'], "
        "['we use paper and it works fine for us']); "
        "print(repr(float(l.kinds['arguing'].words.probability(rows)[0])), list(rows[0][:5]))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True,
            env=dict(os.environ, PYTHONHASHSEED=seed), timeout=120,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outs) == 1, outs
