"""A demo city: one organization in Montréal, 8 drivers with vans, 150 orders over the island.

Neighbourhoods are weighted roughly by population so the orders cluster as real parcels do; every
point is kept on the island (a coarse outline) and every order gets a 2-hour window.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.auth import service as auth_service
from backend.auth.models import Role
from backend.database import utcnow
from backend.extensions import db
from backend.fleet import service as fleet_service
from backend.orders import bulk as orders_bulk
from backend.unit_of_work import transactional

DEMO_PASSWORD = "lastmile-demo"
DEMO_PIN = "1234"
TIMEZONE = "America/Montreal"

# A coarse outline of the Island of Montréal (lon, lat), enough to keep points off the river.
ISLAND = [(-73.476, 45.700), (-73.540, 45.650), (-73.545, 45.560), (-73.552, 45.520), (-73.545, 45.497),
          (-73.555, 45.470), (-73.600, 45.440), (-73.650, 45.420), (-73.760, 45.420), (-73.870, 45.405),
          (-73.960, 45.405), (-73.975, 45.440), (-73.900, 45.475), (-73.820, 45.500), (-73.760, 45.515),
          (-73.690, 45.545), (-73.640, 45.580), (-73.600, 45.615), (-73.530, 45.685), (-73.476, 45.700)]


@dataclass(frozen=True)
class Neighbourhood:
    name: str
    lat: float
    lon: float
    weight: float
    streets: tuple[str, ...]


NEIGHBOURHOODS = (
    Neighbourhood("Le Plateau-Mont-Royal", 45.5225, -73.5800, 10, ("Rue Saint-Denis", "Avenue du Mont-Royal Est", "Rue Rachel Est", "Boulevard Saint-Laurent", "Avenue Laurier Est")),
    Neighbourhood("Rosemont", 45.5440, -73.5800, 10, ("Rue Masson", "Boulevard Rosemont", "Rue Beaubien Est", "Avenue Papineau")),
    Neighbourhood("Villeray", 45.5450, -73.6200, 8, ("Rue Jarry Est", "Rue De Castelnau Est", "Rue Villeray", "Rue Saint-Hubert")),
    Neighbourhood("Côte-des-Neiges", 45.4960, -73.6250, 10, ("Chemin de la Côte-des-Neiges", "Avenue Van Horne", "Chemin Queen-Mary", "Avenue Decelles")),
    Neighbourhood("Notre-Dame-de-Grâce", 45.4730, -73.6150, 7, ("Rue Sherbrooke Ouest", "Avenue de Monkland", "Avenue Girouard")),
    Neighbourhood("Verdun", 45.4580, -73.5700, 6, ("Rue Wellington", "Boulevard LaSalle", "Rue de Verdun")),
    Neighbourhood("Hochelaga-Maisonneuve", 45.5470, -73.5450, 7, ("Rue Ontario Est", "Rue Sainte-Catherine Est", "Avenue Pie-IX")),
    Neighbourhood("Ville-Marie", 45.5030, -73.5700, 6, ("Rue Sainte-Catherine Ouest", "Boulevard René-Lévesque Ouest", "Rue Peel")),
    Neighbourhood("Ahuntsic", 45.5560, -73.6600, 7, ("Boulevard Henri-Bourassa Ouest", "Rue Fleury Ouest", "Boulevard Gouin Ouest")),
    Neighbourhood("Saint-Laurent", 45.5100, -73.6900, 6, ("Boulevard Décarie", "Rue de l'Église", "Boulevard Côte-Vertu")),
    Neighbourhood("Saint-Léonard", 45.5830, -73.5950, 5, ("Boulevard Lacordaire", "Rue Jean-Talon Est", "Boulevard Langelier")),
    Neighbourhood("Montréal-Nord", 45.5900, -73.6300, 5, ("Boulevard Léger", "Rue de Charleroi", "Boulevard Pie-IX")),
    Neighbourhood("Anjou", 45.6050, -73.5600, 3, ("Avenue de la Nantaise", "Boulevard des Galeries-d'Anjou")),
    Neighbourhood("Lachine", 45.4400, -73.6800, 4, ("Rue Notre-Dame", "Boulevard Saint-Joseph", "Rue Provost")),
    Neighbourhood("Pointe-Claire", 45.4520, -73.8170, 3, ("Boulevard Saint-Jean", "Chemin du Bord-du-Lac-Lakeshore", "Avenue Donegani")),
    Neighbourhood("Dollard-des-Ormeaux", 45.4900, -73.8200, 3, ("Boulevard des Sources", "Boulevard de Salaberry")),
)

FIRST_NAMES = ("Camille", "Léa", "Noah", "Olivia", "William", "Emma", "Thomas", "Chloé", "Liam", "Alice", "Jacob",
               "Florence", "Gabriel", "Zoé", "Samuel", "Rosalie", "Félix", "Charlotte", "Nathan", "Béatrice")
LAST_NAMES = ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
              "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard",
              "Nguyen", "Singh", "Haddad", "Cohen", "Rossi")
DRIVER_NAMES = ("Marc Tremblay", "Sophie Gagnon", "Karim Benali", "Julie Roy", "David Nguyen", "Isabelle Côté",
                "Jean-Philippe Morin", "Amina Diallo")


def _inside(lon: float, lat: float, polygon=ISLAND) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:]):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _point(rng: random.Random, hood: Neighbourhood) -> tuple[float, float]:
    for _ in range(100):
        lat = rng.gauss(hood.lat, 0.009)
        lon = rng.gauss(hood.lon, 0.013)
        if _inside(lon, lat):
            return round(lat, 6), round(lon, 6)
    return hood.lat, hood.lon


@transactional
def load(*, day: date | None = None, orders: int = 150, drivers: int = 8, seed: int = 7, slug: str = "demo",
         is_practice: bool = False, name: str = "Lastmile Demo — Montréal") -> dict:
    """Create the demo organization and return its logins. Refuses to run twice for one slug."""
    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    day = day or utcnow().astimezone(tz).date()
    org = auth_service.create_organization(name, slug, is_practice=is_practice, currency="CAD")
    domain = f"{slug}.lastmile.test"
    admin = auth_service.build_user(org.id, name="Ada Admin", role=Role.admin, email=f"admin@{domain}",
                                    password=DEMO_PASSWORD)
    dispatcher = auth_service.build_user(org.id, name="Dominique Dispatch", role=Role.dispatcher,
                                         email=f"dispatch@{domain}", password=DEMO_PASSWORD, language="fr")
    db.session.flush()
    hours = {d: [["07:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    depot = fleet_service.add_depot(org.id, {
        "name": "Dépôt Saint-Laurent", "address": "2000 Boulevard Marcel-Laurin, Saint-Laurent, QC",
        "lat": 45.5017, "lon": -73.6893, "timezone": TIMEZONE, "opening_hours": hours})
    driver_logins = []
    phone_prefix = 5550100 + (sum(map(ord, slug)) % 50) * 100
    for index in range(drivers):
        electric = index % 4 == 3
        vehicle = fleet_service.add_vehicle(org.id, {
            "depot_id": depot.id, "name": f"Van {index + 1:02d}", "plate": f"Q{rng.randint(100, 999)} {rng.choice('ABCDEFGHJKL')}{rng.choice('MNPRSTVWXYZ')}",
            "profile": "van", "capacity_weight_kg": 1200.0, "capacity_volume_l": 9000.0, "capacity_parcels": 80,
            "co2_g_per_km": 0 if electric else 245, "features": ["electric"] if electric else [],
            "cost_fixed_cents": 6000, "cost_per_hour_cents": 3200, "cost_per_km_cents": 12 if electric else 38})
        phone = f"+1514{phone_prefix + index}"
        fleet_service.add_driver(org.id, {
            "name": DRIVER_NAMES[index % len(DRIVER_NAMES)] if index < len(DRIVER_NAMES) else f"Driver {index + 1}",
            "phone": phone, "pin": DEMO_PIN, "depot_id": depot.id, "default_vehicle_id": vehicle.id,
            "shift_start": time(8, 0), "shift_end": time(18, 0) if index % 3 else time(19, 0),
            "skills": ["heavy"] if index % 4 == 0 else [], "language": "fr" if index % 2 else "en"})
        driver_logins.append(phone)
    weights = [h.weight for h in NEIGHBOURHOODS]
    raw_orders = []
    for index in range(orders):
        hood = rng.choices(NEIGHBOURHOODS, weights)[0]
        lat, lon = _point(rng, hood)
        start_hour = rng.choice((9, 9, 10, 11, 12, 13, 14, 15, 16, 16))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        parcels = rng.choices((1, 1, 1, 2, 2, 3, 5), k=1)[0]
        start = datetime.combine(day, time(start_hour, 0), tz)
        raw_orders.append({
            "external_ref": f"DEMO-{day:%Y%m%d}-{index + 1:04d}",
            "address": f"{rng.randint(100, 9999)} {rng.choice(hood.streets)}, {hood.name}, Montréal, QC",
            "lat": lat, "lon": lon, "depot_id": depot.id,
            "time_windows": [{"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}],
            "recipient": {"name": f"{first} {last}", "phone": f"+1438{rng.randint(2000000, 9999999)}",
                          "email": f"{first.lower()}.{last.lower()}{index}@example.com".encode("ascii", "ignore").decode(),
                          "language": rng.choice(("fr", "fr", "en"))},
            "service_time_s": rng.choice((120, 180, 240, 300, 420)),
            "weight_kg": round(rng.uniform(0.5, 8.0) * parcels, 1), "volume_l": round(rng.uniform(2, 40) * parcels, 1),
            "parcels": [f"LM{day:%y%m%d}{index + 1:04d}{p + 1}" for p in range(parcels)],
            "priority": 50 if rng.random() < 0.1 else 0,
            "required_skills": ["heavy"] if rng.random() < 0.04 else [],
            "delivery_instructions": rng.choice(("", "", "", "Buzz 204", "Leave with the concierge", "Side door, code 4521")),
            "cod_amount_cents": rng.choice((0,) * 12 + (2599, 4850)),
            "requires_id_check": rng.random() < 0.05,
        })
    summary = orders_bulk.add_many(org.id, raw_orders, None, skip_invalid=False, source="demo")
    return {"org_id": org.id, "depot_id": depot.id, "day": day.isoformat(), "orders": summary["created"],
            "admin": admin.email, "dispatcher": dispatcher.email, "password": DEMO_PASSWORD,
            "drivers": driver_logins, "driver_pin": DEMO_PIN}
