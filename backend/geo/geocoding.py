"""From an address to a pin: the dispatcher's correction first, then the cache, then the geocoder.

The geocoder speaks Nominatim's `/search` API (a self-hosted Nominatim, or any compatible service)
and is used only when GEOCODER_URL is set; without one, orders must come with coordinates.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import requests
from flask import current_app
from sqlalchemy import select

from backend import outbound
from backend.database import insert_ignoring_conflict, utcnow
from backend.extensions import db
from backend.geo.models import GeocodeCacheEntry, PinCorrection


@dataclass(frozen=True)
class Pin:
    lat: float
    lon: float
    source: str  # "corrected", "geocoder"
    display_name: str = ""


class GeocoderUnavailable(Exception):
    pass


def address_key(address: str) -> str:
    """Addresses that differ only in case, accents, punctuation or spacing share one key."""
    text = unicodedata.normalize("NFKD", address).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()[:600]


class NominatimGeocoder:
    name = "nominatim"

    def __init__(self, base_url: str, user_agent: str, timeout: float = 10.0,
                 policy: outbound.Policy = outbound.STRICT):
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        self.timeout = timeout
        self.policy = policy

    def search(self, address: str) -> Pin | None:
        try:
            response = outbound.get(
                f"{self.base_url}/search",
                params={"q": address, "format": "jsonv2", "limit": 1, "addressdetails": 0},
                policy=self.policy, headers={"User-Agent": self.user_agent, "Accept": "application/json"},
                timeout=self.timeout)
        except outbound.OutboundRefused as refused:
            raise GeocoderUnavailable(f"GEOCODER_URL refused by the outbound guard: {refused.message}") from refused
        except requests.RequestException as exc:
            raise GeocoderUnavailable(str(exc)) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise GeocoderUnavailable(f"geocoder answered {response.status_code}")
        if response.status_code != 200:
            return None
        try:
            results = response.json()
        except ValueError as exc:
            raise GeocoderUnavailable("geocoder answered with something that is not JSON") from exc
        if not results:
            return None
        first = results[0]
        return Pin(lat=float(first["lat"]), lon=float(first["lon"]), source="geocoder",
                   display_name=first.get("display_name", ""))


def configured_geocoder() -> NominatimGeocoder | None:
    url = current_app.config.get("GEOCODER_URL")
    if not url:
        return None
    return NominatimGeocoder(url, current_app.config["GEOCODER_USER_AGENT"],
                             policy=outbound.Policy.from_config(current_app.config))


def correction_for(org_id: int, address: str) -> Pin | None:
    found = db.session.scalar(select(PinCorrection).where(PinCorrection.org_id == org_id,
                                                          PinCorrection.address_key == address_key(address)))
    return Pin(found.lat, found.lon, "corrected") if found else None


def geocode(org_id: int, address: str) -> Pin | None:
    """None when nobody knows where this is (or no geocoder is configured)."""
    corrected = correction_for(org_id, address)
    if corrected:
        return corrected
    geocoder = configured_geocoder()
    if geocoder is None:
        return None
    key = address_key(address)
    cached = db.session.scalar(select(GeocodeCacheEntry).where(GeocodeCacheEntry.query_key == key))
    if cached is not None:
        return Pin(cached.lat, cached.lon, "geocoder", cached.display_name) if cached.lat is not None else None
    pin = geocoder.search(address)
    # Another request may cache the same address meanwhile: the first answer stays.
    db.session.execute(insert_ignoring_conflict(GeocodeCacheEntry, ["query_key"]).values(
        query_key=key, lat=pin.lat if pin else None, lon=pin.lon if pin else None,
        display_name=pin.display_name if pin else "", provider=geocoder.name, created_at=utcnow(),
        updated_at=utcnow()))
    return pin


def remember_correction(org_id: int, address: str, lat: float, lon: float, user_id: int | None) -> None:
    """Add (not commit) a dispatcher's pin for this address; the caller's use case commits."""
    key = address_key(address)
    found = db.session.scalar(select(PinCorrection).where(PinCorrection.org_id == org_id,
                                                          PinCorrection.address_key == key))
    if found is None:
        db.session.add(PinCorrection(org_id=org_id, address_key=key, lat=lat, lon=lon, corrected_by_id=user_id))
    else:
        found.lat, found.lon, found.corrected_by_id = lat, lon, user_id
