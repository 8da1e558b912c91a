"""ecokg.dataset.examples: the example queries' header lines."""

import pytest

from ecokg.dataset.examples import PREFIXES, load_examples, parse_example


def test_example_header_format(tmp_path):
    f = tmp_path / "x.rq"
    f.write_text("# title: Places\n# title@zh: 地方\n# description: All of them.\nSELECT * { ?s ?p ?o }\n",
                 encoding="utf-8")
    ex = parse_example(f)
    assert (ex.name, ex.title, ex.title_zh, ex.description) == ("x", "Places", "地方", "All of them.")
    f.write_text("SELECT * { ?s ?p ?o }\n")
    with pytest.raises(ValueError, match="title"):
        parse_example(f)


def test_bundled_examples_have_both_titles():
    for ex in load_examples():
        assert ex.title and ex.title_zh, f"{ex.name}: needs '# title:' and '# title@zh:'"
    assert PREFIXES["eco"] == "https://w3id.org/ecokg/ontology#"
