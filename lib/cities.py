"""The 13 cities of the study, their codes and names, and one alias table for matching raw files.

Every raw file spells city names its own way (with or without 市, pinyin, padded). Matching goes
through :func:`match_city` only, and anything that does not match is reported, never dropped silently.
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

# code, English, Chinese, group (Dagum groups: Beijing, Tianjin, Hebei)
_CITIES = [
    (110000, "Beijing", "北京", "Beijing"),
    (120000, "Tianjin", "天津", "Tianjin"),
    (130100, "Shijiazhuang", "石家庄", "Hebei"),
    (130200, "Tangshan", "唐山", "Hebei"),
    (130300, "Qinhuangdao", "秦皇岛", "Hebei"),
    (130400, "Handan", "邯郸", "Hebei"),
    (130500, "Xingtai", "邢台", "Hebei"),
    (130600, "Baoding", "保定", "Hebei"),
    (130700, "Zhangjiakou", "张家口", "Hebei"),
    (130800, "Chengde", "承德", "Hebei"),
    (130900, "Cangzhou", "沧州", "Hebei"),
    (131000, "Langfang", "廊坊", "Hebei"),
    (131100, "Hengshui", "衡水", "Hebei"),
]

CITIES = pd.DataFrame(_CITIES, columns=["city_code", "city_en", "city_zh", "group"])
CODES: tuple[int, ...] = tuple(CITIES["city_code"])


def _key(name: str) -> str:
    s = unicodedata.normalize("NFKC", str(name)).strip().lower()
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"\(.*?\)", "", s)
    return re.sub(r"(市|city)$", "", s)


_ALIASES: dict[str, int] = {}
for _code, _en, _zh, _ in _CITIES:
    for _name in (_en, _zh, _zh + "市"):
        _ALIASES[_key(_name)] = _code


def match_city(name: str) -> int | None:
    """Return the city code for a raw spelling of one of the 13 cities, or None."""
    return _ALIASES.get(_key(name))


def label(code: int, *, chinese: bool = True) -> str:
    """'Beijing 北京' style label for figures and tables."""
    row = CITIES.set_index("city_code").loc[int(code)]
    return f"{row.city_en} {row.city_zh}" if chinese else row.city_en
