"""The places that became administrative divisions (issue #13): former slug under id/place/ -> division code.

data/places.ttl records each former IRI on its division with owl:sameAs; tests that name a district, county
or Chongqing by its old slug map it here (``place_iri``)."""

from __future__ import annotations

ID = "https://w3id.org/ecokg/id/"

FORMER_PLACES = {
    "chongqing": "500000",
    "jiulongpo-district": "500107",
    "nanan-district": "500108",
    "beibei-district": "500109",
    "dazu-district": "500111",
    "yubei-district": "500112",
    "banan-district": "500113",
    "qianjiang-district": "500114",
    "jiangjin-district": "500116",
    "yongchuan-district": "500118",
    "bishan-district": "500120",
    "tongliang-district": "500151",
    "rongchang-district": "500153",
    "kaizhou-district": "500154",
    "liangping-district": "500155",
    "wulong-district": "500156",
    "chengkou-county": "500229",
    "zhong-county": "500233",
    "yunyang-county": "500235",
    "fengjie-county": "500236",
    "wushan-county": "500237",
}


def place_iri(slug: str) -> str:
    """The IRI of a place named by its slug: ``id/division/{code}`` for a former district/county/Chongqing."""
    code = FORMER_PLACES.get(slug)
    return f"{ID}division/{code}" if code else f"{ID}place/{slug}"


def local(slug: str) -> str:
    """The last part of ``place_iri(slug)`` ("500154" for "kaizhou-district", the slug otherwise)."""
    return place_iri(slug).rsplit("/", 1)[1]
