"""Topics of talks from topics.yml: whole-word keywords, explainable rows, topic_years."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT
from derived_archive import default_archive
from scraper import store
from scraper.normalize.topics import TopicsConfigError, assign_topics, parse_config

TOPICS = parse_config(yaml.safe_load((ROOT / "topics.yml").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def db():
    return store.open_db(default_archive())


def _topics(db, talk_id: str) -> dict[str, str]:
    return {r["topic"]: r["matched"] for r in db.query("SELECT * FROM talk_topics WHERE talk_id = ?", [talk_id])}


@pytest.mark.parametrize("talk_id, topic", [
    ("lpc-2020/642", "checkpoint-restore"),  # "FastFreeze: Unprivileged checkpoint/restore for containerized ..."
    ("fosdem-2013/1550", "checkpoint-restore"),  # "CRIU: Checkpoint and Restore (mostly) In Userspace"
    ("lpc-2022/1243", "checkpoint-restore"),  # "Bringing up FUSE mounts C/R support"
    ("lpc-2020/836", "user-namespaces"),  # "Isolated dynamic user namespaces"
    ("lpc-2022/1240", "cgroups"),  # "cgroup rstat's advanced adoption"
    ("fosdem-2020/10188", "seccomp"),  # "seccomp — Your Next Layer of Defense"
    ("fosdem-2020/10456", "seccomp"),  # "strace --seccomp-bpf: a look under the hood"
    ("fosdem-2021/11483", "idmapped-mounts"),  # "Idmapped Mounts"
    ("lpc-2023/1550", "io-uring"),  # "io_uring and networking in 2023"
])
def test_real_talks_get_their_topic_from_the_title(db, talk_id, topic):
    assert _topics(db, talk_id)[topic].startswith("title: ")


@pytest.mark.parametrize("talk_id", [
    "fosdem-2020/10675",  # "Checkpointing in a real time OS for transiently-powered embedded systems"
    "fosdem-2017/5806",  # "Evolution of Fault Tolerance in PostgreSQL": database checkpoints
    "fosdem-2021/11190",  # "Buffer pool performance improvements": database checkpoints
])
def test_checkpoints_that_are_not_checkpoint_restore(db, talk_id):
    assert "checkpoint-restore" not in _topics(db, talk_id)


def test_keywords_match_whole_words_only():
    rows = assign_topics([
        ("a", "eBPF for observability", None),
        ("b", "Kubernetes: a k8s operator", "hello"),
        ("c", "Running user-namespaces and cgroups v2 at scale", None),
        ("d", "Subprocesses", "cgroupfoo and nonseccomp and xbpf, but nothing else"),
        ("e", "A talk", "We use CRIU. CRIU is great."),  # two abstract mentions: enough
        ("f", "A talk", "We mention CRIU once."),  # one: not enough
        ("g", "TEE or tee?", "the tee command"),  # a cased keyword keeps its case
    ], TOPICS)
    found = {(r["talk_id"], r["topic"]): r for r in rows}
    assert found["a", "ebpf"]["matched"] == "title: ebpf"  # "BPF" did not fire inside "eBPF"
    assert ("b", "kubernetes") in found
    assert {("c", "user-namespaces"), ("c", "cgroups")} <= set(found)
    assert not [k for k in found if k[0] == "d"]
    assert found["e", "checkpoint-restore"]["matched"] == "abstract: criu ×2"
    assert found["e", "checkpoint-restore"]["score"] == 0.5
    assert ("f", "checkpoint-restore") not in found
    assert found["g", "confidential-computing"]["matched"] == "title: tee"


def test_topic_years_answers_checkpoint_restore_per_year_lpc_vs_fosdem(db):
    rows = list(db.query("SELECT conference, year, talks FROM topic_years WHERE topic_id = 'checkpoint-restore' "
                         "ORDER BY year, conference"))
    by = {(r["conference"], r["year"]): r["talks"] for r in rows}
    assert {("lpc", 2020), ("lpc", 2022), ("lpc", 2023)} <= set(by)
    assert ("fosdem", 2013) in by and ("fosdem", 2023) in by
    counted = db.execute("SELECT count(*) FROM talk_topics WHERE topic = 'checkpoint-restore'").fetchone()[0]
    assert sum(by.values()) == counted


def test_every_topic_is_listed_with_its_keywords(db):
    listed = {r["id"]: r for r in db.query("SELECT * FROM topics")}
    assert set(listed) == {t.id for t in TOPICS}
    assert "CRIU" in listed["checkpoint-restore"]["keywords"]
    assert db.execute("SELECT count(*) FROM talk_topics WHERE topic NOT IN (SELECT id FROM topics)").fetchone()[0] == 0


@pytest.mark.parametrize("data, message", [
    ({"topics": [{"title": "no id", "keywords": ["x"]}]}, "needs an id"),
    ({"topics": [{"id": "x"}]}, "no keywords"),
    ({"topics": [{"id": "x", "keywords": "x"}]}, "list of words"),
    ({"topics": [{"id": "x", "keywords": ["x"], "synonyms": ["y"]}]}, "unknown key"),
    ({"topics": [{"id": "x", "keywords": ["x"]}, {"id": "x", "keywords": ["y"]}]}, "twice"),
])
def test_config_errors_name_the_entry(data, message):
    with pytest.raises(TopicsConfigError, match=message):
        parse_config(data)
