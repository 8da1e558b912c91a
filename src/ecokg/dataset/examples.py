"""The example queries of ``queries/*.rq`` and the prefixes the query page preloads.

Each file starts with comment lines naming it (see docs/model.md)::

    # title: Places named in each batch of each scheme
    # title@zh: 各称号各批次命名的地方
    # description: One row per designation with a known batch, in batch order.
    PREFIX eco: <https://w3id.org/ecokg/ontology#>
    SELECT ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ecokg import resources
from ecokg.errors import EcokgError, Kind
from ecokg.rdf.namespaces import prefixes

# The prefixes the query page preloads (docs/model.md).
PREFIXES: dict[str, str] = {k: v for k, v in prefixes().items() if k not in ("void", "dcat", "vann")}

_HEADER = re.compile(r"^#\s*(?P<key>[A-Za-z]+)(?:@(?P<lang>[A-Za-z-]+))?\s*:\s*(?P<value>.*?)\s*$")


class ExampleError(EcokgError, ValueError):
    """An example file without the header lines it needs."""

    kind = Kind.BAD_FILE


@dataclass(frozen=True)
class Example:
    name: str  # the file name without .rq
    query: str  # the whole file, header comments included
    titles: dict[str, str] = field(default_factory=dict)  # language ("" for the untagged one) -> title
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.titles.get("", self.titles.get("en", self.name))

    @property
    def title_zh(self) -> str | None:
        return self.titles.get("zh")

    @property
    def description(self) -> str:
        return self.descriptions.get("", self.descriptions.get("en", ""))

    def to_json(self) -> dict:
        return {"name": self.name, "title": self.title, "title_zh": self.title_zh,
                "description": self.description, "description_zh": self.descriptions.get("zh"),
                "query": self.query}


def parse_example(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.lstrip().startswith("#"):
            break
        m = _HEADER.match(line.strip())
        if not m:
            continue
        key, lang, value = m["key"].lower(), (m["lang"] or "").lower(), m["value"]
        if key == "title":
            titles[lang] = value
        elif key == "description":
            descriptions[lang] = (descriptions.get(lang, "") + " " + value).strip()
    if "" not in titles and "en" not in titles:
        raise ExampleError(f"{path}: the first lines must include '# title: ...'")
    return Example(path.stem, text, titles, descriptions)


def load_examples(folder: Path | None = None) -> list[Example]:
    folder = folder or resources.queries_dir()
    return [parse_example(p) for p in sorted(folder.glob("*.rq"))]


def prefix_block(prefixes: dict[str, str] | None = None) -> str:
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in (prefixes or PREFIXES).items())
