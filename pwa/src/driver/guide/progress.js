// Where the driver is along the leg, from the phone's position alone (no server: it keeps working offline).
// The position is projected on the leg's path; each manoeuvre has its own place along that path, so the next
// manoeuvre is the first one still ahead and its distance is measured along the road, not as the crow flies.
const EARTH_M = 6371000;
const RAD = Math.PI / 180;
// A manoeuvre counts as done once the phone is this far along past its point (GPS wobbles a few metres).
const PASSED_M = 8;
// Further than this from the path, on two fixes in a row: the driver took another way.
export const OFF_ROUTE_M = 50;
export const ARRIVED_M = 30;

export function distanceMetres(a, b) {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.sqrt(h));
}

/** The initial compass bearing from a to b, in degrees (0 north, 90 east). */
export function bearingDegrees(a, b) {
  const y = Math.sin((b.lon - a.lon) * RAD) * Math.cos(b.lat * RAD);
  const x = Math.cos(a.lat * RAD) * Math.sin(b.lat * RAD)
    - Math.sin(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.cos((b.lon - a.lon) * RAD);
  return ((Math.atan2(y, x) / RAD) + 360) % 360;
}

/** Metres east/north of an origin: flat enough over a delivery leg. */
function planar(origin, point) {
  return { x: (point.lon - origin.lon) * RAD * EARTH_M * Math.cos(origin.lat * RAD), y: (point.lat - origin.lat) * RAD * EARTH_M };
}

/** A leg's path ([[lat, lon], ...]) prepared for projections: its points and the distance along at each. */
export function preparePath(latLngs) {
  const points = latLngs.map(([lat, lon]) => ({ lat, lon }));
  const along = [0];
  for (let i = 1; i < points.length; i += 1) along.push(along[i - 1] + distanceMetres(points[i - 1], points[i]));
  return { points, along, length: along[along.length - 1] || 0 };
}

/**
 * The point of the path nearest to `position`: {along (metres from the start), offset (metres off the path),
 * segment}. Searching from `fromSegment` on keeps a road that doubles back on itself from pulling the driver
 * backwards; a segment behind counts only when clearly nearer.
 */
export function project(path, position, fromSegment = 0) {
  let best = null;
  for (let i = 0; i < path.points.length - 1; i += 1) {
    const a = path.points[i];
    const b = planar(a, path.points[i + 1]);
    const p = planar(a, position);
    const lengthSquared = b.x * b.x + b.y * b.y;
    const share = lengthSquared ? Math.max(0, Math.min(1, (p.x * b.x + p.y * b.y) / lengthSquared)) : 0;
    const offset = Math.hypot(p.x - share * b.x, p.y - share * b.y);
    const score = offset + (i < fromSegment ? 25 : 0);
    if (!best || score < best.score) {
      best = { score, offset, segment: i, along: path.along[i] + share * (path.along[i + 1] - path.along[i]) };
    }
  }
  if (!best) return { along: 0, offset: path.points[0] ? distanceMetres(path.points[0], position) : Infinity, segment: 0 };
  return { along: best.along, offset: best.offset, segment: best.segment };
}

/** Each step's place along the path (its manoeuvre's point projected, in order). */
export function stepPlaces(path, steps) {
  let segment = 0;
  return steps.map((step, index) => {
    const location = step.maneuver?.location;
    if (!location || index === 0) return 0;
    const place = project(path, { lat: location[1], lon: location[0] }, segment);
    segment = place.segment;
    return place.along;
  });
}

/**
 * The guidance at `position`: the next manoeuvre (index), the metres to it along the road, the metres left to
 * the stop, whether the phone is off the path, whether it has arrived. `previous` is the last answer (it keeps
 * the search moving forward).
 */
export function follow(leg, position, previous = null) {
  const { path, places, steps, destination } = leg;
  const here = project(path, position, previous?.segment ?? 0);
  const toStop = destination ? distanceMetres(position, { lat: destination[0], lon: destination[1] }) : Infinity;
  const remaining = Math.max(0, path.length - here.along);
  let next = steps.length - 1;
  for (let i = 1; i < steps.length; i += 1) {
    if (places[i] > here.along + PASSED_M) {
      next = i;
      break;
    }
  }
  const offRoute = here.offset > OFF_ROUTE_M;
  return {
    segment: here.segment,
    along: here.along,
    offset: here.offset,
    next,
    toNext: Math.max(0, (places[next] ?? path.length) - here.along),
    remaining,
    offRoute,
    offRouteCount: offRoute ? (previous?.offRouteCount ?? 0) + 1 : 0,
    arrived: toStop <= ARRIVED_M || (!offRoute && remaining <= ARRIVED_M / 2),
  };
}

/** A leg ready to follow, from the directions the server gave. */
export function prepareLeg(directions) {
  const path = preparePath(directions.geometry || []);
  const steps = directions.steps || [];
  return { path, steps, places: stepPlaces(path, steps), destination: directions.destination };
}
