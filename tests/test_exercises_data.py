"""The assignments' questions as data (cnncourse/exercises/questions/*.json) and their sealing.

- the shipped files are what the teacher's sources (book/teacher/questions/) give: any edit of
  a source without ``python scripts/seal_questions.py`` fails here;
- every record is complete in English and Korean; the hints point somewhere, never to a value;
- the multiple choice has no tells: options of similar length, the longest option correct in at
  most 40 % of the questions, no letter correct in more than 40 % (in both languages);
- the sealed letters of assignment 1's part (d) are what the hand-out's model does;
- sealing: a wrong key opens nothing, a damaged item is refused, the same source seals the same.
"""
import collections
import json
from pathlib import Path

import pytest
import torch

from cnncourse.exercises import _data, _seal

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "book" / "teacher" / "questions"
ASSIGNMENTS = ("googlenet", "resnet")
pytestmark = pytest.mark.repo   # the teacher's sources are in the checkout, not in the wheel


def _source(assignment):
    return json.loads((SOURCES / f"{assignment}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_shipped_file_is_what_its_source_gives(assignment):
    shipped = (REPO / "cnncourse" / "exercises" / "questions" / f"{assignment}.json").read_text(encoding="utf-8")
    assert shipped == _data.dumps(_data.build(_source(assignment))), \
        "stale: run python scripts/seal_questions.py and commit cnncourse/exercises/questions/"


def test_the_seal_script_checks_and_writes(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("seal_questions", REPO / "scripts" / "seal_questions.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "SHIPPED", tmp_path)
    assert script.main(["--check"]) == 1          # nothing written yet: stale
    assert script.main([]) == 0 and script.main(["--check"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["googlenet.json", "resnet.json"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_record_is_complete_in_both_languages(assignment):
    source = _source(assignment)
    ids = [r["id"] for r in source["questions"]]
    assert len(ids) == len(set(ids))
    for rec in source["questions"]:
        fields = ["text", "hint", "solution"] + (["options"] if rec["kind"]["type"] == "choice" else [])
        for name in fields:
            pairs = rec[name].values() if name == "options" else [rec[name]]
            for pair in pairs:
                assert set(pair) == {"en", "ko"} and all(pair[lang].strip() for lang in pair), (rec["id"], name)
                assert sum("\uac00" <= ch <= "\ud7a3" for ch in pair["ko"]) > 3, (rec["id"], name, "not Korean")
        assert ("value" in rec["answer"]) != ("compute" in rec["answer"]), rec["id"]
        if rec["kind"]["type"] == "choice":
            assert rec["answer"]["value"] in rec["options"] and sorted(rec["options"]) == list("ABCD")
    for c in source["rubric"]:
        for level in ("title", "full", "half", "none"):
            assert set(c[level]) == {"en", "ko"}, (c["id"], level)
    weights = sum(p["weight"] for p in source["parts"])
    assert weights == 100
    hand = [p for p in source["parts"] if p.get("hand")]
    assert len(hand) == 1 and {c["part"] for c in source["rubric"]} == {hand[0]["id"]}


def _choices():
    out = []
    for assignment in ASSIGNMENTS:
        out += [r for r in _source(assignment)["questions"] if r["kind"]["type"] == "choice"]
    return out


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_multiple_choice_has_no_tells(lang):
    """Issue 20: the longest option was correct in 8 of 9 questions and "B" in 6 of 9."""
    questions = _choices()
    letters = collections.Counter(r["answer"]["value"] for r in questions)
    assert max(letters.values()) <= 0.4 * len(questions), letters
    longest = 0
    for r in questions:
        lengths = {k: len(v[lang]) for k, v in r["options"].items()}
        if lengths[r["answer"]["value"]] == max(lengths.values()):
            longest += 1
        assert max(lengths.values()) <= 1.6 * min(lengths.values()), (r["id"], lengths)   # similar length
    assert longest <= 0.4 * len(questions), f"the longest option is correct in {longest} of {len(questions)}"
    for assignment in ASSIGNMENTS:   # and within each assignment, no letter above 40 % either
        mine = collections.Counter(r["answer"]["value"] for r in _source(assignment)["questions"]
                                   if r["kind"]["type"] == "choice")
        assert max(mine.values()) <= max(1, 0.4 * sum(mine.values())), (assignment, mine)


def test_the_aux_letters_are_what_the_hand_out_does():
    """Part (d) is sealed, so the checker cannot derive it; this test does, from the model's
    behaviour, and compares with the key: which modules feed the heads, what forward returns in
    each mode, and where the loss puts 0.3."""
    from cnncourse.exercises import googlenet_handout as h

    source = {r["id"]: r for r in _source("googlenet")["questions"]}
    torch.manual_seed(0)
    model = h.GoogLeNet()
    fed = {}
    for name in ("aux1", "aux2"):
        getattr(model, name).register_forward_pre_hook(lambda m, i, name=name: fed.__setitem__(name, i[0]))
    outputs = {}
    for name in ("inception4a", "inception4d", "inception3b", "inception4e"):
        getattr(model, name).register_forward_hook(lambda m, i, o, name=name: outputs.__setitem__(name, o))
    x = torch.randn(2, 3, 224, 224)
    out = model.train()(x)
    assert isinstance(out, tuple) and len(out) == 3
    assert fed["aux1"] is outputs["inception4a"] and fed["aux2"] is outputs["inception4d"]
    training = "D"   # 4a and 4d, returned beside the main logits (not added: three tensors)
    fed.clear()
    with torch.no_grad():
        evaluated = model.eval()(x)
    assert not fed and isinstance(evaluated, torch.Tensor)
    evaluation = "A"  # skipped: the heads are never called, the logits alone come back
    target = torch.tensor([1, 2])
    main, a1, a2 = (torch.nn.functional.cross_entropy(t, target) for t in out)
    assert torch.allclose(h.googlenet_loss(out, target), main + 0.3 * (a1 + a2))
    assert model.aux1.dropout.p == 0.7 != 0.3
    loss_weight = "C"  # in the training loss
    assert {k: source[f"aux.{k}"]["answer"]["value"] for k in ("training", "evaluation", "loss_weight")} == \
        {"training": training, "evaluation": evaluation, "loss_weight": loss_weight}
    for key, letter in (("training", training), ("evaluation", evaluation), ("loss_weight", loss_weight)):
        shipped = _data.record("googlenet", f"aux.{key}")
        assert _data.opened("googlenet", shipped, "answer", _source("googlenet")["release_key"]) == letter


def test_sealing_opens_only_with_its_key():
    token = _seal.seal("k1", "resnet:figure7:answer", "B")
    assert _seal.unseal("k1", "resnet:figure7:answer", token) == "B"
    assert _seal.seal("k1", "resnet:figure7:answer", "B") == token          # deterministic
    assert _seal.seal("k1", "resnet:coco:answer", "B") != token             # per item
    for key, name in (("k2", "resnet:figure7:answer"), ("k1", "resnet:coco:answer")):
        with pytest.raises(_seal.WrongKey):
            _seal.unseal(key, name, token)
    damaged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(_seal.WrongKey):
        _seal.unseal("k1", "resnet:figure7:answer", damaged)
    with pytest.raises(_seal.WrongKey):
        _seal.unseal("k1", "resnet:figure7:answer", "not base64 at all!")
    # the four letters seal to tokens of one length: the length tells nothing either
    assert len({len(_seal.seal("k", "x", letter)) for letter in "ABCD"}) == 1


def test_release_checks_the_key_and_keeps_it_for_the_session():
    _data._RELEASED.clear()
    try:
        with pytest.raises(ValueError, match="does not open the solutions"):
            _data.release("resnet", "   ")
        assert _data.released_key("resnet") is None
        assert "released" in _data.release("resnet", f"  {_source('resnet')['release_key']}  ")
        assert _data.released_key("resnet") == _source("resnet")["release_key"]
        with pytest.raises(ValueError, match="does not open assignment 'googlenet'"):
            _data.checked_key("googlenet", _source("resnet")["release_key"])
    finally:
        _data._RELEASED.clear()
